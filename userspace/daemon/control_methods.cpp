#include "daemon/control_methods.h"

#include <grp.h>
#include <time.h>

#include <algorithm>
#include <map>
#include <vector>


namespace seismo::daemon {

using nlohmann::json;

namespace {
double monotonic_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Result<pods::PodFilter> pod_filter(const json& params, bool pods_enabled) {
  auto filter = pods::PodFilter::from_params(params);
  if (!filter) return filter;
  if (filter->active() && !pods_enabled)
    return fail_errno(EOPNOTSUPP, "fields 'namespace', 'selector', 'pod': pod filters need seismod connected to the "
                                  "Kubernetes API (--node-name with --kubeconfig, or in-cluster)");
  return filter;
}

void add_owner_fields(json& row, const std::optional<pods::PodAttribution>& owner) {
  if (!owner) return;
  row["namespace"] = owner->pod.namespace_name;
  row["pod"] = owner->pod.name;
  row["container"] = owner->container;
}
// A trace event's pod, as joined when it was published (no pod fields: not
// a pod's, or its pod was still unknown when the hold gave up on it).
bool event_matches(const pods::PodFilter& filter, const json& ev) {
  auto pod = ev.find("pod");
  if (pod == ev.end() || !pod->is_string()) return false;
  pods::Pod p;
  p.name = pod->get<std::string>();
  if (auto ns = ev.find("namespace"); ns != ev.end() && ns->is_string()) p.namespace_name = ns->get<std::string>();
  if (auto labels = ev.find("labels"); labels != ev.end() && labels->is_object())
    for (const auto& [k, v] : labels->items())
      if (v.is_string()) p.labels.emplace(k, v.get<std::string>());
  return filter.matches(p);
}
}  // namespace

Result<json> top_snapshot(const metrics::Scraper& scraper, const json& params, const PodOfCgroupId& pod_of) {
  auto filter = pod_filter(params, static_cast<bool>(pod_of));
  if (!filter) return fail(std::move(filter).error());
  size_t limit = 0;
  if (auto it = params.find("limit"); it != params.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 100000)
      return fail_errno(EINVAL, "field 'limit': must be an integer from 1 to 100000");
    limit = static_cast<size_t>(it->get<int64_t>());
  }
  auto summaries = scraper.summaries();
  std::vector<std::pair<uint64_t, metrics::CgroupSummary>> rows;
  std::map<uint64_t, std::optional<pods::PodAttribution>> owners;
  for (auto& [id, s] : summaries) {
    auto owner = pod_of ? pod_of(id) : std::nullopt;
    if (filter->active() && (!owner || !filter->matches(owner->pod))) continue;
    owners[id] = std::move(owner);
    rows.emplace_back(id, std::move(s));
  }
  auto syscalls = [](const metrics::CgroupSummary& s) {
    auto it = s.columns.find("syscalls");
    return it == s.columns.end() ? 0.0 : it->second;
  };
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return syscalls(a.second) > syscalls(b.second); });
  if (limit && rows.size() > limit) rows.resize(limit);
  json out = json::array();
  for (const auto& [id, s] : rows) {
    json row = {{"cgroup_id", id}, {"cgroup", s.name}};
    add_owner_fields(row, owners[id]);
    for (const auto& [col, v] : s.columns) row[col] = v;
    out.push_back(std::move(row));
  }
  return json{{"monotonic_seconds", monotonic_seconds()}, {"cgroups", std::move(out)}};
}

Result<void> validate_trace_params(const json& params, bool pods_enabled) {
  if (auto f = pod_filter(params, pods_enabled); !f) return fail(std::move(f).error());
  for (const auto& [key, value] : params.items()) {
    if (key == "namespace" || key == "selector" || key == "pod") continue;
    if (key == "cgroup") {
      if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
          value.get_ref<const std::string&>().front() != '/')
        return fail_errno(EINVAL, "field 'cgroup': must be a cgroup path starting with '/'");
    } else {
      return fail_errno(EINVAL, "field '" + key + "': unknown parameter for a trace");
    }
  }
  return {};
}

void stream_topic(events::EventHub& hub, const std::string& topic, const json& params, api::StreamSink& sink,
                  bool pods_enabled) {
  std::string prefix = params.value("cgroup", "");
  auto filter = pod_filter(params, pods_enabled);  // validated before the stream started
  const bool by_pod = filter && filter->active();
  auto sub = hub.subscribe(topic);
  if (!sink.start()) {
    hub.unsubscribe(sub);
    return;
  }
  while (!sink.closed()) {
    auto ev = sub->pop(std::chrono::milliseconds(200));
    if (!ev) continue;
    if (!prefix.empty()) {
      const auto& cg = (*ev)["cgroup"];
      if (!cg.is_string() || cg.get_ref<const std::string&>().rfind(prefix, 0) != 0) continue;
    }
    // Pods were joined when the event was published (TracePublisher).
    if (by_pod && !event_matches(*filter, *ev)) continue;
    if (!sink.send(*ev)) break;
  }
  hub.unsubscribe(sub);
}

Result<gid_t> lookup_group(const std::string& name) {
  group grp{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  if (int rc = ::getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &found); rc != 0)
    return fail_errno(rc, "look up --socket-group " + name);
  if (!found) return fail_errno(ENOENT, "--socket-group '" + name + "': no such group");
  return found->gr_gid;
}

}  // namespace seismo::daemon
