#include "image/container_args.h"

#include <algorithm>
#include <cctype>

namespace seismo::testing {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Result<void> add_security(const DaemonSetSpec& spec, std::vector<std::string>& a) {
  if (spec.privileged) a.push_back("--privileged");
  for (const auto& c : spec.cap_drop) a.push_back("--cap-drop=" + lower(c));
  for (const auto& c : spec.cap_add) a.push_back("--cap-add=" + lower(c));
  if (!spec.allow_privilege_escalation) a.push_back("--security-opt=no-new-privileges");
  if (spec.read_only_root) {
    a.push_back("--read-only");
    a.push_back("--read-only-tmpfs=false");  // Kubernetes adds no tmpfs of its own
  }
  if (spec.run_as_user) a.push_back("--user=" + std::to_string(*spec.run_as_user));
  // No seccompProfile means Unconfined (the kubelet's default unless
  // --seccomp-default); podman's default profile stands for RuntimeDefault.
  if (spec.seccomp.empty() || spec.seccomp == "Unconfined") {
    a.push_back("--security-opt=seccomp=unconfined");
  } else if (spec.seccomp != "RuntimeDefault") {
    return fail_plain("seccompProfile.type " + spec.seccomp + " is not mapped to podman");
  }
  if (spec.apparmor == "unconfined") {
    a.push_back("--security-opt=apparmor=unconfined");
  } else if (!spec.apparmor.empty() && spec.apparmor != "runtime/default") {
    return fail_plain("AppArmor profile " + spec.apparmor + " is not mapped to podman");
  }
  return {};
}

Result<void> add_mounts(const DaemonSetSpec& spec, const ContainerPlan& plan, std::vector<std::string>& a) {
  for (const auto& m : spec.mounts) {
    auto it = plan.host_path_override.find(m.host_path);
    const std::string& source = it == plan.host_path_override.end() ? m.host_path : it->second;
    std::string opts = m.read_only ? "ro" : "rw";
    if (m.propagation == "HostToContainer") {
      opts += ",rslave";
    } else if (m.propagation == "Bidirectional") {
      opts += ",rshared";
    } else if (!m.propagation.empty() && m.propagation != "None") {
      return fail_plain("mountPropagation " + m.propagation + " is not mapped to podman");
    }
    a.push_back("--volume=" + source + ":" + m.container_path + ":" + opts);
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> podman_run_args(const DaemonSetSpec& spec, const ContainerPlan& plan) {
  std::vector<std::string> a = {"run", "--detach", "--name=" + plan.name};
  if (auto r = add_security(spec, a); !r) return fail(std::move(r).error());
  if (auto r = add_mounts(spec, plan, a); !r) return fail(std::move(r).error());
  if (spec.host_pid) a.push_back("--pid=host");
  a.push_back(spec.host_network ? "--network=host" : "--network=ns:" + plan.netns_path);
  if (!spec.memory_limit.empty()) {
    const auto bytes = memory_quantity_bytes(spec.memory_limit);
    if (bytes == 0) return fail_plain("resources.limits.memory " + spec.memory_limit + " is not a quantity");
    a.push_back("--memory=" + std::to_string(bytes));
  }
  std::map<std::string, std::string> env;
  for (const auto& [name, field] : spec.field_ref_env) {
    if (field != "spec.nodeName") return fail_plain("env " + name + ": fieldRef " + field + " is not mapped");
    env[name] = plan.node_name;
    a.push_back("--env=" + name + "=" + plan.node_name);
  }
  a.push_back(plan.image);
  for (const auto& arg : spec.args) a.push_back(expand_kubelet_vars(arg, env));
  a.insert(a.end(), plan.extra_args.begin(), plan.extra_args.end());
  return a;
}

}  // namespace seismo::testing
