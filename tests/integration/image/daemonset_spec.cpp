#include "image/daemonset_spec.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <exception>

namespace seismo::testing {
namespace {

// n[k1][k2]...; an undefined node when any step is missing (yaml-cpp
// throws when indexing an invalid node).
// (Node::operator= writes through to the tree, hence reset().)
YAML::Node at(const YAML::Node& root, std::initializer_list<const char*> keys) {
  YAML::Node n;
  n.reset(root);
  for (const char* k : keys) {
    const YAML::Node& cur = n;
    if (!cur || !cur.IsMap() || !cur[k]) return YAML::Node(YAML::NodeType::Undefined);
    n.reset(cur[k]);
  }
  return n;
}

std::string str(const YAML::Node& n, const std::string& fallback = {}) {
  return n && n.IsScalar() ? n.as<std::string>() : fallback;
}

// httpGet.port is a number or the name of one of the container's ports.
int probe_port(const YAML::Node& container, const YAML::Node& port) {
  if (!port) return 0;
  const std::string p = port.as<std::string>();
  if (!p.empty() && std::isdigit(static_cast<unsigned char>(p[0]))) return std::atoi(p.c_str());
  for (const auto& cp : container["ports"]) {
    if (str(cp["name"]) == p) return cp["containerPort"].as<int>();
  }
  return 0;
}

// AppArmor: securityContext.appArmorProfile (Kubernetes >= 1.30) or the
// older per-container annotation; both spelled the annotation's way here.
std::string apparmor_of(const YAML::Node& pod_meta, const YAML::Node& sc, const std::string& container_name) {
  if (at(sc, {"appArmorProfile"})) {
    const std::string type = str(at(sc, {"appArmorProfile", "type"}));
    if (type == "Unconfined") return "unconfined";
    if (type == "RuntimeDefault") return "runtime/default";
    return "localhost/" + str(at(sc, {"appArmorProfile", "localhostProfile"}));
  }
  return str(at(pod_meta, {"annotations"})["container.apparmor.security.beta.kubernetes.io/" + container_name]);
}

void read_mounts(const YAML::Node& pod, const YAML::Node& container, DaemonSetSpec& spec) {
  std::map<std::string, std::string> host_paths;
  for (const auto& v : pod["volumes"]) {
    if (auto hp = at(v, {"hostPath", "path"})) host_paths[str(v["name"])] = str(hp);
  }
  for (const auto& m : container["volumeMounts"]) {
    auto it = host_paths.find(str(m["name"]));
    if (it == host_paths.end()) continue;
    spec.mounts.push_back({it->second, str(m["mountPath"]), m["readOnly"] && m["readOnly"].as<bool>(),
                           str(m["mountPropagation"])});
  }
}

void read_security(const YAML::Node& meta, const YAML::Node& pod, const YAML::Node& container,
                   DaemonSetSpec& spec) {
  const YAML::Node sc = at(container, {"securityContext"});
  for (const auto& c : at(sc, {"capabilities", "add"})) spec.cap_add.push_back(c.as<std::string>());
  for (const auto& c : at(sc, {"capabilities", "drop"})) spec.cap_drop.push_back(c.as<std::string>());
  if (sc["privileged"]) spec.privileged = sc["privileged"].as<bool>();
  if (sc["allowPrivilegeEscalation"]) spec.allow_privilege_escalation = sc["allowPrivilegeEscalation"].as<bool>();
  if (sc["readOnlyRootFilesystem"]) spec.read_only_root = sc["readOnlyRootFilesystem"].as<bool>();
  if (sc["runAsUser"]) spec.run_as_user = sc["runAsUser"].as<long>();
  const YAML::Node pod_sc = at(pod, {"securityContext"});
  spec.seccomp = str(at(sc, {"seccompProfile", "type"}), str(at(pod_sc, {"seccompProfile", "type"})));
  spec.apparmor = apparmor_of(meta, sc, str(container["name"]));
  if (pod["hostPID"]) spec.host_pid = pod["hostPID"].as<bool>();
  if (pod["hostNetwork"]) spec.host_network = pod["hostNetwork"].as<bool>();
}

}  // namespace

Result<DaemonSetSpec> DaemonSetSpec::load(const std::string& path) {
  try {
    const YAML::Node doc = YAML::LoadFile(path);
    if (str(doc["kind"]) != "DaemonSet") return fail_plain(path + ": not a DaemonSet");
    const YAML::Node tmpl = at(doc, {"spec", "template"});
    const YAML::Node pod = at(tmpl, {"spec"});
    if (!pod["containers"] || pod["containers"].size() != 1)
      return fail_plain(path + ": expected exactly one container");
    const YAML::Node c = pod["containers"][0];
    DaemonSetSpec spec;
    read_security(at(tmpl, {"metadata"}), pod, c, spec);
    read_mounts(pod, c, spec);
    for (const auto& a : c["args"]) spec.args.push_back(a.as<std::string>());
    for (const auto& e : c["env"]) {
      if (auto f = at(e, {"valueFrom", "fieldRef", "fieldPath"})) spec.field_ref_env[str(e["name"])] = str(f);
    }
    spec.memory_limit = str(at(c, {"resources", "limits", "memory"}));
    spec.liveness_path = str(at(c, {"livenessProbe", "httpGet", "path"}));
    spec.readiness_path = str(at(c, {"readinessProbe", "httpGet", "path"}));
    spec.metrics_port = probe_port(c, at(c, {"livenessProbe", "httpGet", "port"}));
    if (spec.metrics_port == 0) return fail_plain(path + ": livenessProbe.httpGet.port names no container port");
    return spec;
  } catch (const std::exception& e) {
    return fail_plain(path + ": " + e.what());
  }
}

std::string expand_kubelet_vars(const std::string& arg, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < arg.size();) {
    if (arg.compare(i, 2, "$(") == 0) {
      const size_t close = arg.find(')', i);
      if (close != std::string::npos) {
        auto it = env.find(arg.substr(i + 2, close - i - 2));
        if (it != env.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += arg[i++];
  }
  return out;
}

unsigned long long memory_quantity_bytes(const std::string& q) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(q.c_str(), &end, 10);
  const std::string suffix = end ? end : "";
  if (suffix.empty()) return n;
  if (suffix == "Ki") return n << 10;
  if (suffix == "Mi") return n << 20;
  if (suffix == "Gi") return n << 30;
  if (suffix == "K" || suffix == "k") return n * 1000ULL;
  if (suffix == "M") return n * 1000ULL * 1000ULL;
  if (suffix == "G") return n * 1000ULL * 1000ULL * 1000ULL;
  return 0;
}

}  // namespace seismo::testing
