// Chaos Mesh's NetworkChaos (chaos-mesh.org/v1alpha1, api/v1alpha1/
// networkchaos_types.go and selector.go in chaos-mesh/chaos-mesh) as a
// NetworkFault. Every field of theirs is mapped or refused by name; the
// result is then read by parse_network_fault, so its errors name the same
// paths the user wrote.
#include "crd/network_chaos.h"

#include <fmt/format.h>

#include "common/json_fields.h"
#include "crd/network_fault.h"

namespace seismo::crd {

using json_fields::error;
using nlohmann::json;

namespace {

constexpr const char* kChaosApiVersion = "chaos-mesh.org/v1alpha1";
constexpr const char* kChaosKind = "NetworkChaos";

// Spec fields carried over as they are: the same word means the same here.
// Their partition (an iptables DROP of every packet on the pod's eth0 in the
// direction asked, to the target's IPs and externalTargets, all peers when
// neither is given) is our partition; delay.reorder is netem's reorder in
// both.
const std::vector<std::string_view> kSameFields = {"action",   "mode",      "value",     "selector",
                                                   "direction", "target",   "delay",     "loss",
                                                   "duration", "externalTargets", "duplicate", "corrupt",
                                                   "bandwidth"};

// Why a field of theirs that is not carried over is refused.
std::string refusal(std::string_view key) {
  if (key == "rate")
    return "not supported (Chaos Mesh's rate limit; seismo's is action 'bandwidth', tbf's parameters)";
  if (key == "remoteCluster") return "not supported (a NetworkFault acts on the cluster it is created in)";
  return "unknown field of NetworkChaos";
}

// Their device fields: the pod's eth0 is where seismo acts, and what Chaos
// Mesh uses when none is named; any other device cannot be honoured.
Result<void> check_device(const json& v, const std::string& field) {
  if (v.is_string() && (v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>() == "eth0"))
    return {};
  return error(field, "only eth0 is supported (seismo's faults act on the pod's eth0)");
}

Result<void> check_action(const json& spec) {
  if (!spec.contains("action") || !spec["action"].is_string()) return {};  // parse_network_fault names it
  const auto& action = spec["action"].get_ref<const std::string&>();
  if (action == "rate")
    return error("spec.action", fmt::format("'{}' is not supported (seismo's rate limit is action 'bandwidth', tbf's "
                                            "parameters)",
                                            action));
  if (action == "partition")
    for (const char* key : {"delay", "loss"})
      if (spec.contains(key) && !spec[key].is_null())
        return error(fmt::format("spec.{}", key), "Chaos Mesh ignores it with action 'partition'; remove it");
  return {};
}

Result<json> map_spec(const json& spec) {
  if (!spec.is_object()) return error("spec", fmt::format("must be an object, not {}", json_fields::type_name(spec)));
  if (auto ok = check_action(spec); !ok) return fail(std::move(ok).error());
  json out = json::object();
  for (const auto& [key, value] : spec.items()) {
    const std::string field = "spec." + key;
    if (value.is_null()) continue;  // an absent optional field, as kubectl writes it
    if (key == "remoteCluster" && value.is_string() && value.get_ref<const std::string&>().empty())
      continue;  // this cluster
    if (key == "device" || key == "targetDevice") {
      if (auto ok = check_device(value, field); !ok) return fail(std::move(ok).error());
      continue;
    }
    bool same = false;
    for (auto k : kSameFields) same = same || k == key;
    if (!same) return error(field, refusal(key));
    out[key] = value;
  }
  if (!out.contains("duration"))
    return error("spec.duration",
                 "required here (Chaos Mesh runs a NetworkChaos without one until it is deleted; "
                 "every seismo fault expires in the kernel, so give e.g. \"5m\", at most 24h)");
  return out;
}

json map_metadata(const json& m) {
  json out = json::object();
  if (!m.is_object()) return out;
  for (const char* key : {"name", "namespace", "labels", "annotations"})
    if (m.contains(key) && !m[key].is_null()) out[key] = m[key];
  return out;
}

}  // namespace

Result<json> network_fault_from_chaos(const json& chaos) {
  if (!chaos.is_object())
    return error("document", fmt::format("must be an object, not {}", json_fields::type_name(chaos)));
  if (auto ok = json_fields::only_known(chaos, "", {"apiVersion", "kind", "metadata", "spec", "status"}); !ok)
    return fail(std::move(ok).error());
  if (!chaos.contains("apiVersion") || chaos["apiVersion"] != kChaosApiVersion)
    return error("apiVersion", fmt::format("must be {}", kChaosApiVersion));
  if (!chaos.contains("kind") || chaos["kind"] != kChaosKind)
    return error("kind", fmt::format("must be {}", kChaosKind));
  if (!chaos.contains("spec")) return error("spec", "required");
  auto spec = map_spec(chaos["spec"]);
  if (!spec) return fail(std::move(spec).error());
  json fault = {{"apiVersion", kApiVersion},
                {"kind", kKind},
                {"metadata", map_metadata(chaos.value("metadata", json::object()))},
                {"spec", std::move(*spec)}};
  // The same checks as a NetworkFault written by hand, on the same paths.
  if (auto parsed = parse_network_fault(fault, false); !parsed) return fail(std::move(parsed).error());
  return fault;
}

}  // namespace seismo::crd
