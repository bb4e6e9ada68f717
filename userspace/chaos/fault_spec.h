#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos/cidr.h"
#include "chaos/guard.h"
#include "common/result.h"

namespace seismo::chaos {

// Documented limits (docs/faults.md).
inline constexpr uint64_t kMaxDurationNs = 24ULL * 3600 * 1'000'000'000;  // 24 h
inline constexpr uint64_t kMaxLatencyNs = 10ULL * 1'000'000'000;          // fq's default horizon
inline constexpr size_t kMaxNameLength = 63;
inline constexpr size_t kMaxCidrs = 1024;  // peer prefixes per fault: SEISMO_FAULT_PEERS_PER_FAULT
inline constexpr size_t kMaxPortRanges = 4;

enum class Direction { egress, ingress, both };
// The fault kinds (docs/faults.md). A partition drops every matching packet
// (loss at 100 %, silently for the sender); reorder is part of a delay.
enum class Action { loss, delay, bandwidth, duplicate, corrupt, partition };
enum class TargetKind { netns, pid, cgroup, pods };
enum class SelectMode { all, one, fixed, fixed_percent };

inline constexpr Action kAllActions[] = {Action::loss,      Action::delay,   Action::bandwidth,
                                         Action::duplicate, Action::corrupt, Action::partition};

const char* direction_name(Direction d);
const char* action_name(Action a);
// The key of the action's parameters in a spec ("loss", "bandwidth", …);
// nullptr for partition, which has none.
const char* action_params_key(Action a);
// "loss" → Action::loss; an unknown name is EINVAL naming the field "action".
Result<Action> parse_action_name(const std::string& name);
const char* select_mode_name(SelectMode m);

// Chaos Mesh's pod selector (spec key `selector`), checked for syntax when
// parsed and matched against this node's pods when the fault is added and
// while it runs. `pods`, when given, names the pods exactly and the other
// fields are ignored (Chaos Mesh's meaning).
struct PodSelectorSpec {
  std::vector<std::string> namespaces;  // empty: every namespace
  std::string label_selector;           // kubectl syntax; a labelSelectors map becomes "k=v,…"
  std::map<std::string, std::vector<std::string>> pods;  // namespace → pod names

  bool operator==(const PodSelectorSpec&) const = default;
};

// Where a fault applies; everything downstream works on resolved endpoints.
struct TargetSpec {
  TargetKind kind = TargetKind::netns;
  std::string netns;       // kind netns: name under /run/netns
  pid_t pid = 0;           // kind pid: the process's netns
  std::string cgroup;      // kind cgroup: cgroup v2 path (relative to the cgroup2 mount, or absolute)
  PodSelectorSpec selector;  // kind pods: this node's pods that match
  std::string interface;   // device in the netns; empty: the only non-loopback one
  bool host_network = false;  // allow seismod's own netns (the node's network)
  // kind cgroup, `by: socket`: select packets by their owning socket's
  // cgroup on the (possibly shared) device, not every packet of the
  // cgroup's network namespaces (docs/faults.md, Faults by cgroup).
  bool by_socket = false;
};

struct LossSpec {
  double percent = 0;      // 0..100
  double correlation = 0;  // 0..<100: P(loss | previous lost) = p + c(1-p)
};

// netem's reorder, within a delay: after gap - 1 delayed packets, the next
// one picked (percent, with correlation as loss's) leaves at once, ahead of
// the delayed ones. gap 0 with percent 0: no reordering.
inline constexpr uint32_t kMaxReorderGap = 1'000'000;

struct ReorderSpec {
  double percent = 0;      // 0..100
  double correlation = 0;  // 0..<100
  uint32_t gap = 0;        // netem: 0 given with a percent means 1
  bool operator==(const ReorderSpec&) const = default;
};

struct DelaySpec {
  uint64_t latency_ns = 0;
  uint64_t jitter_ns = 0;  // <= latency
  double correlation = 0;  // 0..<100, between successive jitter draws
  bool jitter_reorders = false;  // let jitter reorder packets of a flow (JSON delay.reorder: true)
  ReorderSpec reorder;     // netem's reorder
};

// tbf's parameters: a token bucket of `buffer_bytes` filled at `rate`;
// shaping queues up to `limit_bytes` (docs/faults.md, Bandwidth).
// How a bandwidth fault holds the rate: shape (EDT stamps fq releases) or
// police (drop beyond the bucket). automatic: decided when the fault is
// added (shape where fq exists), and written back as the one chosen.
enum class BandwidthMode { automatic, shape, police };

struct BandwidthSpec {
  uint64_t rate_bps = 0;        // bits per second
  uint64_t limit_bytes = 0;     // bytes that may wait
  uint64_t buffer_bytes = 0;    // bucket depth (burst)
  bool buffer_defaulted = false;  // not given: policing raises it (default_police_buffer_bytes)
  uint64_t peakrate_bps = 0;    // 0: none
  uint64_t minburst_bytes = 0;  // the peak bucket's depth
  BandwidthMode mode = BandwidthMode::automatic;
};

// duplicate and corrupt: which packets, picked like loss's.
struct DuplicateSpec {
  double percent = 0;      // 0..100
  double correlation = 0;  // 0..<100
};
struct CorruptSpec {
  double percent = 0;      // 0..100
  double correlation = 0;  // 0..<100
};

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool operator==(const PortRange&) const = default;
};

// A packet matches when it matches every filter given (empty: any).
struct FilterSpec {
  std::vector<Cidr> cidrs;     // the peer's address (remote side, as seen from the target)
  uint8_t protocol = 0;        // IP protocol number; 0 any; 1 (icmp) also covers ICMPv6
  std::vector<PortRange> ports;  // source or destination port
};

struct FaultSpec {
  std::string name;
  TargetSpec target;
  SelectMode mode = SelectMode::all;
  double mode_value = 0;  // fixed: count; fixed-percent: percent
  Direction direction = Direction::egress;
  Action action = Action::loss;
  LossSpec loss;
  DelaySpec delay;
  BandwidthSpec bandwidth;
  DuplicateSpec duplicate;
  CorruptSpec corrupt;
  FilterSpec filter;
  GuardSpec guard;  // budgets that abort the fault in the kernel; empty: none
  uint64_t duration_ns = 0;
};

// Validates one fault (JSON; YAML arrives converted to JSON). The target is
// either `target` (netns, pid or cgroup) or a pod `selector` (with an
// optional `target.interface`, default eth0). Every error is
// EINVAL and names the field: "loss.percent: 120 is outside 0 to 100".
// A missing name is left empty (the engine generates one).
Result<FaultSpec> parse_fault_spec(const nlohmann::json& doc);
// A fault name as fault.add takes it (a-z, 0-9, '-', '.', '_'; at most
// kMaxNameLength); the error is EINVAL and names the field "name". Every
// method that takes a fault name checks it with this.
Result<void> check_fault_name(const std::string& name);
// The canonical form, accepted back by parse_fault_spec.
nlohmann::json to_json(const FaultSpec& spec);

// target.by: socket — whether the kind can act on that direction (ingress
// runs in a cgroup_skb program, which can only drop). EINVAL naming the
// field when not.
Result<void> check_by_socket(const FaultSpec& spec);

// Whether some packet could match both filters.
bool filters_overlap(const FilterSpec& a, const FilterSpec& b);

}  // namespace seismo::chaos
