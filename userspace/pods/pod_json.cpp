#include "pods/pod_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pods/cgroup_pod_parser.h"

namespace seismo::pods {
namespace {

using nlohmann::json;

Result<std::string> required_string(const json& obj, const char* key, const char* field) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fail_plain(fmt::format("field '{}': missing or not a non-empty string", field));
  }
  return it->get<std::string>();
}

Result<void> read_statuses(const json& status, const char* key, Pod& pod) {
  auto it = status.find(key);
  if (it == status.end() || it->is_null()) return {};
  if (!it->is_array()) return fail_plain(fmt::format("field 'status.{}': not an array", key));
  for (const auto& cs : *it) {
    if (!cs.is_object()) return fail_plain(fmt::format("field 'status.{}[]': not an object", key));
    auto name = required_string(cs, "name", "status.containerStatuses[].name");
    if (!name) return fail(name.error());
    std::string id;
    if (auto idit = cs.find("containerID"); idit != cs.end() && !idit->is_null()) {
      if (!idit->is_string()) return fail_plain("field 'status.containerStatuses[].containerID': not a string");
      id = idit->get<std::string>();
    }
    auto c = container_from_status(*name, id);
    if (!c) return fail(c.error());
    pod.containers.push_back(std::move(*c));
  }
  return {};
}

}  // namespace

Result<PodContainer> container_from_status(const std::string& name, const std::string& container_id) {
  PodContainer c;
  c.name = name;
  if (container_id.empty()) return c;
  auto sep = container_id.find("://");
  if (sep == std::string::npos || sep == 0) {
    return fail_plain(fmt::format("field 'containerID': '{}' is not <runtime>://<id>", container_id));
  }
  c.runtime = container_id.substr(0, sep);
  c.id = container_id.substr(sep + 3);
  if (c.id.size() != 64 || c.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return fail_plain(fmt::format("field 'containerID': '{}' does not end in 64 lowercase hex", container_id));
  }
  return c;
}

Result<Pod> pod_from_json(const json& object) {
  if (!object.is_object()) return fail_plain("pod: not a JSON object");
  auto meta_it = object.find("metadata");
  if (meta_it == object.end() || !meta_it->is_object()) return fail_plain("field 'metadata': missing or not an object");
  const json& meta = *meta_it;
  Pod pod;
  auto uid = required_string(meta, "uid", "metadata.uid");
  if (!uid) return fail(uid.error());
  auto norm = normalise_pod_uid(*uid);
  if (!norm) return fail(norm.error().wrap("field 'metadata.uid'"));
  pod.uid = std::move(*norm);
  auto name = required_string(meta, "name", "metadata.name");
  if (!name) return fail(name.error());
  pod.name = std::move(*name);
  auto ns = required_string(meta, "namespace", "metadata.namespace");
  if (!ns) return fail(ns.error());
  pod.namespace_name = std::move(*ns);
  auto rv = required_string(meta, "resourceVersion", "metadata.resourceVersion");
  if (!rv) return fail(rv.error());
  pod.resource_version = std::move(*rv);
  if (auto it = meta.find("labels"); it != meta.end() && !it->is_null()) {
    if (!it->is_object()) return fail_plain("field 'metadata.labels': not an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return fail_plain(fmt::format("field 'metadata.labels.{}': not a string", k));
      pod.labels.emplace(k, v.get<std::string>());
    }
  }
  if (auto spec = object.find("spec"); spec != object.end() && spec->is_object()) {
    if (auto it = spec->find("nodeName"); it != spec->end() && !it->is_null()) {
      if (!it->is_string()) return fail_plain("field 'spec.nodeName': not a string");
      pod.node_name = it->get<std::string>();
    }
  }
  if (auto status = object.find("status"); status != object.end() && !status->is_null()) {
    if (!status->is_object()) return fail_plain("field 'status': not an object");
    for (const char* key : {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
      auto r = read_statuses(*status, key, pod);
      if (!r) return fail(r.error());
    }
  }
  return pod;
}

}  // namespace seismo::pods
