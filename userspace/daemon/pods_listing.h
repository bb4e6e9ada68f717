#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "chaos/fault_engine.h"
#include "common/result.h"
#include "net/netns.h"
#include "pods/pod_store.h"

namespace seismo::daemon {

// `pods`: this node's pods (params "namespace", "selector", "pod" filter)
// with their cgroups (path, id, container), host-side veth (or why there is
// none) and the faults that hit them now. `engine` may be null (faults off).
Result<nlohmann::json> pods_listing(const pods::PodStore& store, bool synced, const std::string& cgroup_root,
                                    const net::Netns& own_netns, const chaos::FaultEngine* engine,
                                    const nlohmann::json& params);

}  // namespace seismo::daemon
