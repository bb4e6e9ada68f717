#pragma once

#include "chaos/fault_engine.h"
#include "chaos/pod_target_resolver.h"
#include "cluster/engine_actions.h"

namespace seismo::cluster {

// EngineActions on the daemon's fault engine; pods are turned into
// endpoints (netns, eth0) by the engine's pod resolver.
class FaultEngineActions : public EngineActions {
 public:
  FaultEngineActions(chaos::FaultEngine& engine, chaos::PodTargetResolver& resolver)
      : engine_(engine), resolver_(resolver) {}

  [[nodiscard]] std::vector<chaos::FaultMembers> members() const override { return engine_.members(); }
  [[nodiscard]] std::vector<chaos::FaultSample> samples() const override { return engine_.samples(); }
  Result<void> add(chaos::FaultSpec spec) override;
  Result<void> remove(const std::string& name) override { return engine_.remove(name); }
  Result<void> extend(const std::string& name, const std::vector<pods::Pod>& pods,
                      const std::string& interface) override;
  Result<void> retract(const std::string& name, const std::string& pod_uid) override;
  Result<void> set_peers(const std::string& name, const std::vector<chaos::Cidr>& peers) override;

 private:
  chaos::FaultEngine& engine_;
  chaos::PodTargetResolver& resolver_;
};

}  // namespace seismo::cluster
