#pragma once

// Chaos Mesh's NetworkChaos (chaos-mesh.org/v1alpha1) read as a NetworkFault.
// A field we cannot honour is an error naming it, never dropped.

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::crd {

// The NetworkFault object (apiVersion, kind, metadata.name/namespace/labels/
// annotations kept, spec mapped) for a NetworkChaos object. EINVAL naming the
// field: "spec.action: 'bandwidth' is not supported yet (loss, delay, netem)".
[[nodiscard]] Result<nlohmann::json> network_fault_from_chaos(const nlohmann::json& network_chaos);

}  // namespace seismo::crd
