#include "cluster/fault_engine_actions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace seismo::cluster {

Result<void> FaultEngineActions::add(chaos::FaultSpec spec) {
  auto r = engine_.add(std::move(spec));
  if (!r) return fail(std::move(r).error());
  return {};
}

Result<void> FaultEngineActions::extend(const std::string& name, const std::vector<pods::Pod>& pods,
                                        const std::string& interface) {
  std::vector<std::string> skipped;
  auto endpoints = resolver_.endpoints_for(pods, interface, &skipped);
  if (endpoints.empty()) return fail_errno(EAGAIN, fmt::format("no network yet: {}", fmt::join(skipped, "; ")));
  auto r = engine_.extend(name, std::move(endpoints));
  if (!r) return fail(std::move(r).error());
  if (!skipped.empty()) return fail_errno(EAGAIN, fmt::format("no network yet: {}", fmt::join(skipped, "; ")));
  return {};
}

Result<void> FaultEngineActions::set_peers(const std::string& name, const std::vector<chaos::Cidr>& peers) {
  auto r = engine_.set_peers(name, peers);
  if (!r) return fail(std::move(r).error());
  return {};
}

Result<void> FaultEngineActions::retract(const std::string& name, const std::string& pod_uid) {
  auto r = engine_.retract(name, pod_uid);
  if (!r) return fail(std::move(r).error());
  return {};
}

}  // namespace seismo::cluster
