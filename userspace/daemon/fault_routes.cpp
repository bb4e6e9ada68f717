#include "daemon/fault_routes.h"

#include <fmt/format.h>

#include "chaos/fault_spec.h"
#include "chaos/spec_document.h"
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
    auto items = chaos::parse_spec_document(doc->get_ref<const std::string&>());
    if (!items) return fail(std::move(items).error());
    if (holds_network_faults(*items)) {
      if (!node_pods) {
        // A bad document is told as such first, naming the field; a good one needs pods.
        auto checked = local_network_fault_specs(*items, {});
        if (!checked && checked.error().code == EINVAL) return fail(std::move(checked).error());
        return fail_errno(EOPNOTSUPP, "NetworkFault/NetworkChaos documents pick pods: seismod needs pods "
                                      "(--node-name and an API server)");
      }
      auto specs = local_network_fault_specs(*items, node_pods());
      if (!specs) return fail(std::move(specs).error());
      return engine.apply(std::move(*specs));
    }
    std::vector<chaos::FaultSpec> specs;
    for (size_t i = 0; i < items->size(); ++i) {
      auto spec = chaos::parse_fault_spec((*items)[i]);
      if (!spec) return fail(std::move(spec).error().wrap(fmt::format("faults[{}]", i)));
      specs.push_back(std::move(*spec));
    }
    return engine.apply(std::move(specs));
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
