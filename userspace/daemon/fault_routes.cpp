#include "daemon/fault_routes.h"

#include <fmt/format.h>

#include "chaos/fault_spec.h"
#include "daemon/network_fault_apply.h"

namespace seismo::daemon {

using nlohmann::json;

void register_fault_routes(api::Router& router, chaos::FaultEngine& engine, NodePods node_pods) {
  router.add("fault.add", api::Access::admin, [&engine](const json& params, const api::Peer&) -> Result<json> {
    auto spec = chaos::parse_fault_spec(params);
    if (!spec) return fail(std::move(spec).error());
    return engine.add(std::move(*spec));
  });
  router.add("fault.apply", api::Access::admin, [&engine, node_pods](const json& params, const api::Peer&) -> Result<json> {
    auto doc = params.find("document");
    if (doc == params.end() || !doc->is_string())
      return fail_errno(EINVAL, "field 'document': missing or not a string (the YAML or JSON text)");
    auto specs = fault_document_specs(doc->get_ref<const std::string&>(), node_pods);
    if (!specs) return fail(std::move(specs).error());
    return engine.apply(std::move(*specs));
  });
  router.add("fault.ls", api::Access::read,
             [&engine](const json&, const api::Peer&) -> Result<json> { return engine.list(); });
  router.add("fault.rm", api::Access::admin, [&engine](const json& params, const api::Peer&) -> Result<json> {
    auto name = params.find("name");
    if (name == params.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
      return fail_errno(EINVAL, "field 'name': missing or not a string");
    if (auto r = chaos::check_fault_name(name->get_ref<const std::string&>()); !r) return fail(std::move(r).error());
    if (auto r = engine.remove(name->get<std::string>()); !r) return fail(std::move(r).error());
    return json{{"removed", *name}};
  });
  router.add("fault.clear", api::Access::admin, [&engine](const json&, const api::Peer&) -> Result<json> {
    return json{{"removed", engine.clear()}};
  });
}

}  // namespace seismo::daemon
