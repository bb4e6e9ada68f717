#pragma once

// The NetworkFault resource (seismo.dev/v1alpha1): an experiment as a
// Kubernetes object, in Chaos Mesh NetworkChaos's vocabulary wherever it has
// a word (docs/cluster.md). This is the object's model and its validation;
// what a node does with it lives in cluster/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "pods/pod_selector.h"
#include "pods/rendezvous.h"

namespace seismo::crd {

inline constexpr const char* kGroup = "seismo.dev";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "seismo.dev/v1alpha1";
inline constexpr const char* kKind = "NetworkFault";
inline constexpr const char* kPlural = "networkfaults";
// metadata.annotations[kPauseAnnotation] == "true" pauses the fault on every
// node (removed from the kernel, status phase Paused); anything else resumes.
inline constexpr const char* kPauseAnnotation = "seismo.dev/paused";

// netem: loss and delay together; partition: every packet to the peers dropped (no fields)
enum class FaultAction { loss, delay, netem, bandwidth, duplicate, corrupt, partition };
enum class TrafficDirection { to, from, both };  // Chaos Mesh: to = egress of the selected pods

[[nodiscard]] const char* action_name(FaultAction a);
[[nodiscard]] const char* direction_name(TrafficDirection d);

// Chaos Mesh's delay.reorder (netem's reorder): after gap - 1 delayed
// packets, `reorder` percent of the next ones leave at once.
struct ReorderFields {
  double reorder = 0;      // percent
  double correlation = 0;  // percent
  uint32_t gap = 0;        // 0: netem's default, 1
};

struct DelayFields {
  uint64_t latency_ns = 0;
  uint64_t jitter_ns = 0;
  double correlation = 0;  // percent, Chaos Mesh writes it as a string ("25")
  std::optional<ReorderFields> reorder;
};

struct LossFields {
  double loss = 0;  // percent
  double correlation = 0;
};

// Chaos Mesh's duplicate {duplicate, correlation} and corrupt {corrupt,
// correlation}: percents, written as strings.
struct DuplicateFields {
  double duplicate = 0;
  double correlation = 0;
};
struct CorruptFields {
  double corrupt = 0;
  double correlation = 0;
};

// Chaos Mesh's BandwidthSpec (tbf's parameters): rate in tc's units
// ("100kbps" is BYTES per second), limit and buffer in bytes, peakrate in
// bytes per second (a bare number, as Chaos Mesh passes it to netlink's tbf),
// minburst in bytes. The node reads rate and bounds by seismo's bandwidth
// rules (docs/faults.md, Bandwidth).
struct BandwidthFields {
  std::string rate;
  uint64_t limit = 0;
  uint64_t buffer = 0;
  std::optional<uint64_t> peakrate;  // bytes per second; 0 or absent: none
  std::optional<uint64_t> minburst;
};

// `target`: the fault applies only to traffic between the selected pods and these.
struct PodTarget {
  pods::PodSelector selector;
  pods::PickMode mode = pods::PickMode::all;
  std::string value;
};

struct PortRangeField {
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool operator==(const PortRangeField&) const = default;
};

struct NetworkFaultSpec {
  FaultAction action = FaultAction::loss;
  pods::PickMode mode = pods::PickMode::all;
  std::string value;
  pods::PodSelector selector;
  TrafficDirection direction = TrafficDirection::to;
  std::optional<PodTarget> target;
  std::vector<std::string> external_targets;  // IPs and CIDRs, as written
  std::optional<DelayFields> delay;           // required for delay and netem
  std::optional<LossFields> loss;             // required for loss and netem
  std::optional<BandwidthFields> bandwidth;   // required for bandwidth
  std::optional<DuplicateFields> duplicate;   // required for duplicate
  std::optional<CorruptFields> corrupt;       // required for corrupt
  uint64_t duration_ns = 0;                   // required: every fault expires in the kernel
  // Ours (optional): match only these ports / this protocol; a seed for the ranking.
  std::vector<PortRangeField> ports;
  std::string protocol;  // "", "tcp", "udp", "icmp"
  std::optional<uint64_t> seed;
  // Ours (optional): the engine's guard (docs/faults.md, Guards), kept as
  // written: only its keys are checked here (crd may not include chaos);
  // the node reads the values by the engine's rules (chaos/spec_guard).
  std::optional<nlohmann::json> guard;
};

struct NetworkFault {
  std::string uid;
  std::string namespace_name;
  std::string name;
  std::string resource_version;
  int64_t generation = 0;
  int64_t created_unix = 0;  // metadata.creationTimestamp, seconds
  bool paused = false;       // kPauseAnnotation
  NetworkFaultSpec spec;

  // What rendezvous ranking is keyed by: the seed when given, else the UID.
  [[nodiscard]] std::string ranking_key() const;
};

// Validates a whole object (apiVersion, kind, metadata, spec). Every error is
// EINVAL and names the field path: "spec.delay.latency: '10 parsecs' is not a
// duration". Unknown spec fields are errors naming them. `require_identity`:
// metadata.uid and resourceVersion must be there (objects from the API
// server); false for documents a user wrote (seismo apply, convert).
[[nodiscard]] Result<NetworkFault> parse_network_fault(const nlohmann::json& object, bool require_identity);
// The keys a spec may have, as the CRD schema lists them.
[[nodiscard]] const std::vector<std::string_view>& spec_field_names();
// The keys spec.guard may have: window and the engine's budget keys
// (chaos_network_fault_specs_test ties the two lists).
[[nodiscard]] const std::vector<std::string_view>& guard_field_names();
// The spec back as JSON (parse_network_fault accepts it in an object).
[[nodiscard]] nlohmann::json spec_to_json(const NetworkFaultSpec& spec);

}  // namespace seismo::crd
