#include "pods/cgroup_pod_parser.h"

#include <optional>
#include <vector>

#include <fmt/format.h>

namespace seismo::pods {
namespace {

constexpr std::size_t kContainerIdLen = 64;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

bool strip_prefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

Unexpected not_a_pod(std::string_view path, std::string_view why) {
  return fail_plain(fmt::format("not a pod cgroup: {} in '{}'", why, path));
}

std::optional<QosClass> qos_from(std::string_view s) {
  if (s == "burstable") return QosClass::burstable;
  if (s == "besteffort") return QosClass::besteffort;
  return std::nullopt;
}

Result<std::string> container_id(std::string_view id, std::string_view component) {
  if (id.size() != kContainerIdLen || !is_lower_hex(id)) {
    return fail_plain(fmt::format("field 'container id': '{}' in '{}' is not 64 lowercase hex", id, component));
  }
  return std::string(id);
}

// The container component: a systemd scope ("cri-containerd-<id>.scope") or a
// cgroupfs directory ("<id>", "crio-<id>", "docker-<id>").
Result<void> parse_container(std::string_view component, PodCgroup& out) {
  std::string_view s = component;
  bool scope = strip_suffix(s, ".scope");
  if (s.starts_with("crio-conmon-")) return {};  // pod-owned, not a container
  ContainerRuntime runtime = ContainerRuntime::unknown;
  if (strip_prefix(s, "cri-containerd-")) {
    runtime = ContainerRuntime::containerd;
  } else if (strip_prefix(s, "crio-")) {
    runtime = ContainerRuntime::crio;
  } else if (strip_prefix(s, "docker-")) {
    runtime = ContainerRuntime::docker;
  } else if (scope) {
    return fail_plain(fmt::format("field 'container scope': unknown runtime prefix in '{}'", component));
  }
  auto id = container_id(s, component);
  if (!id) return fail(id.error());
  out.container_id = std::move(*id);
  out.runtime = runtime;
  return {};
}

}  // namespace

std::string_view to_string(QosClass qos) {
  switch (qos) {
    case QosClass::guaranteed: return "guaranteed";
    case QosClass::burstable: return "burstable";
    case QosClass::besteffort: return "besteffort";
  }
  return "unknown";
}

std::string_view to_string(ContainerRuntime runtime) {
  switch (runtime) {
    case ContainerRuntime::none: return "none";
    case ContainerRuntime::containerd: return "containerd";
    case ContainerRuntime::crio: return "cri-o";
    case ContainerRuntime::docker: return "docker";
    case ContainerRuntime::unknown: return "unknown";
  }
  return "unknown";
}

Result<std::string> normalise_pod_uid(std::string_view raw) {
  std::string uid(raw);
  for (char& c : uid) {
    if (c == '_') c = '-';
  }
  bool ok = false;
  if (uid.size() == 32) {
    ok = is_lower_hex(uid);
  } else if (uid.size() == 36) {
    ok = true;
    for (std::size_t i = 0; i < uid.size(); ++i) {
      bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
      char c = uid[i];
      if (dash_pos ? c != '-' : !is_lower_hex(std::string_view(&uid[i], 1))) ok = false;
    }
  }
  if (!ok) return fail_plain(fmt::format("field 'pod uid': '{}' is not a UUID or 32-hex static pod hash", raw));
  return uid;
}

Result<PodCgroup> parse_pod_cgroup(std::string_view path) {
  auto parts = split_path(path);
  std::size_t i = 0;
  while (i < parts.size() && parts[i] != "kubepods.slice" && parts[i] != "kubepods") ++i;
  if (i == parts.size()) return not_a_pod(path, "no kubepods component");
  bool systemd = parts[i] == "kubepods.slice";
  ++i;
  if (i == parts.size()) return not_a_pod(path, "the kubepods root");

  PodCgroup out;
  std::string_view raw_uid;
  if (systemd) {
    // kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice, or kubepods-pod<uid>.slice
    std::string_view s = parts[i];
    if (!strip_prefix(s, "kubepods-") || !strip_suffix(s, ".slice")) {
      return not_a_pod(path, fmt::format("unexpected component '{}' under kubepods.slice", parts[i]));
    }
    if (!s.starts_with("pod")) {
      auto qos = qos_from(s);
      if (!qos) return not_a_pod(path, fmt::format("unknown QoS slice '{}'", parts[i]));
      out.qos = *qos;
      ++i;
      if (i == parts.size()) return not_a_pod(path, "a QoS-level slice");
      s = parts[i];
      std::string prefix = fmt::format("kubepods-{}-", to_string(out.qos));
      if (!strip_prefix(s, prefix) || !strip_suffix(s, ".slice") || !s.starts_with("pod")) {
        return not_a_pod(path, fmt::format("unexpected component '{}' in a {} slice", parts[i], to_string(out.qos)));
      }
    }
    s.remove_prefix(3);  // "pod"
    raw_uid = s;
  } else {
    std::string_view s = parts[i];
    if (auto qos = qos_from(s)) {
      out.qos = *qos;
      ++i;
      if (i == parts.size()) return not_a_pod(path, "a QoS-level cgroup");
      s = parts[i];
    }
    if (!strip_prefix(s, "pod")) {
      return not_a_pod(path, fmt::format("unexpected component '{}' under kubepods", parts[i]));
    }
    raw_uid = s;
  }
  auto uid = normalise_pod_uid(raw_uid);
  if (!uid) return fail(uid.error().wrap(fmt::format("pod cgroup '{}'", path)));
  out.pod_uid = std::move(*uid);
  ++i;
  // Components below the container (a runtime's own sub-cgroups) belong to it.
  if (i < parts.size()) {
    auto r = parse_container(parts[i], out);
    if (!r) return fail(r.error().wrap(fmt::format("pod cgroup '{}'", path)));
  }
  return out;
}

}  // namespace seismo::pods
