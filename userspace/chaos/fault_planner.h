#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "chaos/fault_plan.h"
#include "chaos/fault_spec.h"
#include "chaos/world_snapshot.h"
#include "common/result.h"

namespace seismo::chaos {

// Decides what a fault changes, from a spec and a WorldSnapshot, with no
// syscall: which devices and hooks (docs/faults.md: pod egress on the
// target's device, ingress loss on its ingress hook, ingress delay on the
// veth peer's egress, since EDT works at egress only), which fault and
// attachment slots, whether fq is needed, and whether the spec is refused
// (host network without host_network, no fq for a delay, conflicts, full
// tables), with an error that names the field.
class FaultPlanner {
 public:
  explicit FaultPlanner(uint64_t delay_rate_pps) : delay_rate_pps_(delay_rate_pps) {}

  // Checks that need no target: the name is free, fq exists for a delay, a
  // fault slot is free. Returns the slot the fault gets.
  [[nodiscard]] Result<uint32_t> admit(const FaultSpec& spec, const WorldSnapshot& world) const;
  // Which of n resolved endpoints the mode picks.
  [[nodiscard]] static std::vector<size_t> choose(const FaultSpec& spec, size_t n, std::mt19937_64& rng);
  // Whether the world reader must find the endpoints' veth peers.
  [[nodiscard]] static bool needs_peer(const FaultSpec& spec);
  // Where a kind acts on traffic towards the target: on its veth peer's
  // egress (what needs EDT stamps or a synchronous clone) rather than on the
  // target device's ingress hook.
  [[nodiscard]] static bool ingress_at_peer_egress(Action action);
  // A bandwidth fault's mode decided at add: shape where fq exists, police
  // where it does not; an explicit shape without fq is refused (EOPNOTSUPP).
  [[nodiscard]] static Result<void> settle_bandwidth_mode(FaultSpec& spec, bool fq_available);

  // A new fault in `slot` (from admit) over world.endpoints.
  [[nodiscard]] Result<FaultPlan> plan_add(const FaultSpec& spec, uint32_t slot, const WorldSnapshot& world) const;
  // The running fault `name` extended to world.endpoints.
  [[nodiscard]] Result<FaultPlan> plan_extend(const std::string& name, const WorldSnapshot& world) const;
  // The running fault `name` with a new peer set (`changed` is its spec
  // with the new filter.cidrs): within the per-fault limit, still a peer
  // filter (none ↔ some changes the fault's config: remove and add), and no
  // conflict with the other faults on its device hooks.
  [[nodiscard]] static Result<void> admit_peers(const std::string& name, const FaultSpec& changed,
                                                const InstalledState& installed);

 private:
  struct Site {
    PlannedDevice device;
    net::TcHook hook = net::TcHook::egress;
    bool peer_is_src = false;
    bool has_mac_header = true;
    std::string where;
    std::string owner;
    std::string owner_name;
    uint64_t cgroup_id = 0;  // a cgroup_skb site (target.by: socket, ingress)
    std::string cgroup_path;
  };
  [[nodiscard]] Result<std::vector<Site>> sites(const FaultSpec& spec, const WorldSnapshot& world) const;
  [[nodiscard]] static Result<void> check_conflicts(const FaultSpec& spec, const std::vector<Site>& sites,
                                                    const InstalledState& installed);
  [[nodiscard]] Result<FaultPlan> place(const FaultSpec& spec, uint32_t slot, const std::vector<Site>& sites,
                                        const InstalledState& installed) const;

  uint64_t delay_rate_pps_;
};

}  // namespace seismo::chaos
