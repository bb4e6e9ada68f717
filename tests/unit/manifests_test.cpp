// Renders manifests/ with `kubectl kustomize` and checks the objects a
// cluster would get. Skips (with the reason) when kubectl is not installed.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#ifndef SEISMO_MANIFESTS_DIR
#error "SEISMO_MANIFESTS_DIR must be defined"
#endif

namespace {

struct PipeCloser {
  void operator()(FILE* f) const noexcept { pclose(f); }
};

bool have_kubectl() { return std::system("command -v kubectl >/dev/null 2>&1") == 0; }

std::string render(int& status) {
  std::string cmd = std::string("kubectl kustomize '") + SEISMO_MANIFESTS_DIR + "' 2>&1";
  FILE* raw = popen(cmd.c_str(), "r");
  if (raw == nullptr) {
    status = -1;
    return {};
  }
  std::unique_ptr<FILE, PipeCloser> pipe(raw);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  status = pclose(pipe.release());
  return out;
}

class Manifests : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_kubectl()) GTEST_SKIP() << "kubectl not installed: cannot render manifests/";
    int status = 0;
    text_ = render(status);
    ASSERT_EQ(status, 0) << text_;
    for (const auto& doc : YAML::LoadAll(text_)) {
      if (doc.IsMap()) objects_.push_back(doc);
    }
  }
  std::vector<YAML::Node> of_kind(const std::string& kind) const {
    std::vector<YAML::Node> out;
    for (const auto& o : objects_) {
      if (o["kind"] && o["kind"].as<std::string>() == kind) out.push_back(o);
    }
    return out;
  }
  YAML::Node daemonset() const {
    auto ds = of_kind("DaemonSet");
    return ds.empty() ? YAML::Node() : ds.front();
  }
  YAML::Node container() const { return daemonset()["spec"]["template"]["spec"]["containers"][0]; }

  std::string text_;
  std::vector<YAML::Node> objects_;
};

}  // namespace

TEST_F(Manifests, AllKindsPresent) {
  for (const char* kind : {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet", "Service",
                           "PodMonitor", "ConfigMap", "NetworkPolicy", "CustomResourceDefinition"}) {
    EXPECT_EQ(of_kind(kind).size(), 1u) << kind;
  }
}

TEST_F(Manifests, NetworkPolicyAdmitsOnlyMonitoringToTheMetricsPort) {
  auto policies = of_kind("NetworkPolicy");
  ASSERT_EQ(policies.size(), 1u);
  const auto& spec = policies.front()["spec"];
  EXPECT_EQ(spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>(), "seismo");
  ASSERT_TRUE(spec["policyTypes"].IsSequence());
  EXPECT_EQ(spec["policyTypes"][0].as<std::string>(), "Ingress");
  ASSERT_EQ(spec["ingress"].size(), 1u);
  const auto& rule = spec["ingress"][0];
  ASSERT_EQ(rule["from"].size(), 1u);
  // Both selectors in one peer (AND), so neither opens the port on its own.
  EXPECT_TRUE(rule["from"][0]["namespaceSelector"].IsMap());
  EXPECT_TRUE(rule["from"][0]["podSelector"].IsMap());
  ASSERT_EQ(rule["ports"].size(), 1u);
  EXPECT_EQ(rule["ports"][0]["port"].as<int>(), 9477);
  EXPECT_EQ(rule["ports"][0]["protocol"].as<std::string>(), "TCP");
}

// Exactly these rules (docs/deploy.md says why each verb): reads of pods,
// nodes and networkfaults, and patching only the status subresource.
TEST_F(Manifests, RbacIsExactlyTheDocumentedRules) {
  auto roles = of_kind("ClusterRole");
  ASSERT_EQ(roles.size(), 1u);
  using Rule = std::pair<std::string, std::string>;  // group, resource
  std::map<Rule, std::set<std::string>> rules;
  for (const auto& rule : roles[0]["rules"]) {
    ASSERT_EQ(rule["apiGroups"].size(), 1u);
    ASSERT_EQ(rule["resources"].size(), 1u);
    std::set<std::string> verbs;
    for (const auto& v : rule["verbs"]) verbs.insert(v.as<std::string>());
    auto key = Rule{rule["apiGroups"][0].as<std::string>(), rule["resources"][0].as<std::string>()};
    EXPECT_TRUE(rules.emplace(key, verbs).second) << key.second << " twice";
  }
  const std::map<Rule, std::set<std::string>> want = {
      {{"", "pods"}, {"get", "list", "watch"}},
      {{"", "nodes"}, {"list", "watch"}},
      {{"seismo.dev", "networkfaults"}, {"get", "list", "watch"}},
      {{"seismo.dev", "networkfaults/status"}, {"get", "patch"}},
  };
  EXPECT_EQ(rules, want);
  auto binding = of_kind("ClusterRoleBinding");
  ASSERT_EQ(binding.size(), 1u);
  EXPECT_EQ(binding[0]["roleRef"]["name"].as<std::string>(), roles[0]["metadata"]["name"].as<std::string>());
  auto ds_sa = daemonset()["spec"]["template"]["spec"]["serviceAccountName"].as<std::string>();
  EXPECT_EQ(binding[0]["subjects"][0]["name"].as<std::string>(), ds_sa);
  EXPECT_EQ(text_.find("\"*\""), std::string::npos) << "no wildcard RBAC";
}

// The CRD is cluster-scoped: kustomize's namespace must not land on it.
TEST_F(Manifests, NetworkFaultCrdRendered) {
  auto crds = of_kind("CustomResourceDefinition");
  ASSERT_EQ(crds.size(), 1u);
  EXPECT_EQ(crds[0]["metadata"]["name"].as<std::string>(), "networkfaults.seismo.dev");
  EXPECT_FALSE(crds[0]["metadata"]["namespace"]);
  EXPECT_EQ(crds[0]["spec"]["scope"].as<std::string>(), "Namespaced");
}

TEST_F(Manifests, NotPrivilegedButNamedCapabilities) {
  EXPECT_EQ(text_.find("privileged: true"), std::string::npos);
  auto sc = container()["securityContext"];
  ASSERT_TRUE(sc);
  std::set<std::string> caps;
  for (const auto& c : sc["capabilities"]["add"]) caps.insert(c.as<std::string>());
  for (const char* need : {"NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"}) EXPECT_TRUE(caps.count(need)) << need;
  EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");
  EXPECT_TRUE(daemonset()["spec"]["template"]["spec"]["hostPID"].as<bool>());
}

// The least-privilege settings measured by tests/integration/image_test.cpp
// (docs/deploy.md): exactly these capabilities, no privilege escalation, the
// runtime's seccomp profile, a read-only root, the pod network.
TEST_F(Manifests, LeastPrivilegePinned) {
  auto sc = container()["securityContext"];
  std::set<std::string> caps;
  for (const auto& c : sc["capabilities"]["add"]) caps.insert(c.as<std::string>());
  // CAP_SYS_ADMIN implies what CAP_BPF and CAP_PERFMON grant; SYS_RESOURCE
  // (RLIMIT_MEMLOCK) is unused since 5.11: none of them belongs here.
  EXPECT_EQ(caps, (std::set<std::string>{"NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"}));
  // Spelled without CAP_: the API refuses allowPrivilegeEscalation: false
  // beside "CAP_SYS_ADMIN" (but not beside "SYS_ADMIN").
  for (const auto& c : caps) EXPECT_NE(c.rfind("CAP_", 0), 0u) << c;
  ASSERT_TRUE(sc["allowPrivilegeEscalation"]);
  EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
  EXPECT_FALSE(sc["privileged"].as<bool>());
  EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>());
  EXPECT_EQ(sc["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  auto pod = daemonset()["spec"]["template"]["spec"];
  EXPECT_FALSE(pod["hostNetwork"].as<bool>());
  EXPECT_FALSE(pod["hostIPC"] && pod["hostIPC"].as<bool>());
  // Probes on the cheap endpoint: a slow scrape must not restart the pod.
  EXPECT_EQ(container()["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(container()["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
}

TEST_F(Manifests, NodeNameFromDownwardApiAndMetricsPort) {
  bool node_name = false;
  for (const auto& e : container()["env"]) {
    if (e["name"].as<std::string>() == "NODE_NAME") {
      node_name = e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() == "spec.nodeName";
    }
  }
  EXPECT_TRUE(node_name);
  EXPECT_EQ(container()["ports"][0]["containerPort"].as<int>(), 9477);
  auto ann = daemonset()["spec"]["template"]["metadata"]["annotations"];
  EXPECT_EQ(ann["prometheus.io/scrape"].as<std::string>(), "true");
  EXPECT_EQ(ann["prometheus.io/port"].as<std::string>(), "9477");
}

// Every variable the DaemonSet sets is one seismod reads (a renamed flag or
// variable must not leave the manifest silently configuring nothing), and
// the ports in args, container, annotations and Service agree.
TEST_F(Manifests, EnvAndArgsMatchWhatTheDaemonReads) {
  const std::set<std::string> daemon_reads = {"NODE_NAME"};
  for (const auto& e : container()["env"]) EXPECT_TRUE(daemon_reads.count(e["name"].as<std::string>())) << e["name"];
  std::vector<std::string> args;
  for (const auto& a : container()["args"]) args.push_back(a.as<std::string>());
  EXPECT_NE(std::find(args.begin(), args.end(), "--node-name=$(NODE_NAME)"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--metrics-address=0.0.0.0:9477"), args.end());
  for (const auto& a : args) EXPECT_EQ(a.rfind("--", 0), 0u) << a;
}

TEST_F(Manifests, HostPathsAndResources) {
  std::set<std::string> paths;
  for (const auto& v : daemonset()["spec"]["template"]["spec"]["volumes"]) {
    if (v["hostPath"]) paths.insert(v["hostPath"]["path"].as<std::string>());
  }
  // No /sys/kernel/tracing: every program is tp_btf or raw_tp (no tracefs).
  EXPECT_EQ(paths, (std::set<std::string>{"/sys/fs/bpf", "/sys/fs/cgroup", "/sys/kernel/btf", "/run/seismo"}));
  for (const auto& m : container()["volumeMounts"]) {
    const auto path = m["mountPath"].as<std::string>();
    if (path == "/sys/fs/cgroup" || path == "/sys/kernel/btf") {
      EXPECT_TRUE(m["readOnly"].as<bool>()) << path;
    }
  }
  auto res = container()["resources"];
  EXPECT_EQ(res["requests"]["memory"].as<std::string>(), "64Mi");
  EXPECT_EQ(res["limits"]["memory"].as<std::string>(), "128Mi");
}

TEST_F(Manifests, DashboardIsValidJsonWithTheMetrics) {
  auto cms = of_kind("ConfigMap");
  ASSERT_EQ(cms.size(), 1u);
  auto json_text = cms[0]["data"]["seismo-dashboard.json"].as<std::string>();
  auto dash = YAML::Load(json_text);  // JSON is YAML
  ASSERT_TRUE(dash["panels"].IsSequence());
  for (const char* metric : {"seismo_syscalls_total", "seismo_syscall_errors_total", "seismo_syscall_duration_seconds",
                             "seismo_process_execs_total", "seismo_events_lost_total", "seismo_series",
                             "seismo_fault_packets_total", "seismo_faults_active"}) {
    EXPECT_NE(json_text.find(metric), std::string::npos) << metric;
  }
}
