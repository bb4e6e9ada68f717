// The image users deploy (manifests/Dockerfile), run the way the kubelet
// would run manifests/daemonset.yaml: the manifest is parsed, not copied,
// so this test follows every change to capabilities, security options,
// host paths and arguments. Skips with the reason where podman cannot run.
//
// Least privilege: every capability and host setting the manifest keeps is
// removed in turn and must break something (else it is not needed and the
// manifest asks for too much); docs/deploy.md records what breaks.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "image/container_args.h"
#include "image/daemonset_spec.h"
#include "image/podman_store.h"
#include "image/seismod_container.h"
#include "image/seismod_image.h"
#include "netns_fixture.h"
#include "support/child_process.h"

namespace seismo::testing {
namespace {

using std::chrono::seconds;

// Startup loads and attaches ~15 programs through the verifier; on a loaded
// 2-core machine that has taken up to ~20 s, so 120 s only catches a hang.
constexpr auto kStartTimeout = seconds(120);
constexpr auto kGrace = seconds(30);  // the manifest's terminationGracePeriodSeconds

// What a container could do under one set of settings.
struct Outcome {
  bool started = false;
  std::set<std::string> failed_probes;
  bool metrics = false;
  bool fault = false;
  std::string detail;

  [[nodiscard]] bool everything() const { return started && failed_probes.empty() && metrics && fault; }
  [[nodiscard]] std::string summary() const {
    if (!started) return "seismod does not start: " + detail;
    std::string s;
    for (const auto& p : failed_probes) s += (s.empty() ? "probes not attached: " : ", ") + p;
    if (!metrics) s += (s.empty() ? "" : "; ") + std::string("/metrics fails");
    if (!fault) s += (s.empty() ? "" : "; ") + std::string("loss fault fails: ") + detail;
    return s.empty() ? "nothing breaks" : s;
  }
};

// A fault target on the host: two namespaces joined by a veth, a process
// holding namespace a (faults find a pod's netns through a process).
struct FaultTarget {
  NetnsPair pair;
  ChildProcess holder;

  static Result<FaultTarget> create() {
    auto pair = NetnsPair::create();
    if (!pair) return fail(std::move(pair).error());
    auto holder = ChildProcess::spawn({"/bin/sleep", "600"}, SpawnOptions{{}, pair->a().path()});
    if (!holder) return fail(std::move(holder).error());
    return FaultTarget{std::move(*pair), std::move(*holder)};
  }
  // UDP datagrams from a to b: how many of `count` arrive within 2 s.
  [[nodiscard]] int delivered(int count = 20) const {
    auto rx = pair.b().socket(AF_INET, SOCK_DGRAM);
    auto tx = pair.a().socket(AF_INET, SOCK_DGRAM);
    if (!rx || !tx) return -1;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kPort);
    ::inet_pton(AF_INET, pair.veth().b_ip().c_str(), &to.sin_addr);
    if (::bind(rx->get(), reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) return -1;
    for (int i = 0; i < count; ++i)
      (void)::sendto(tx->get(), "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    int got = 0;
    pollfd pfd{rx->get(), POLLIN, 0};
    char buf[16];
    while (got < count && ::poll(&pfd, 1, 2000) > 0) {
      if (::recv(rx->get(), buf, sizeof(buf), 0) > 0) ++got;
    }
    return got;
  }
  // No fault: all arrive (a veth drops nothing; ARP queues the first few).
  [[nodiscard]] bool reachable() const { return delivered() == 20; }
  static constexpr uint16_t kPort = 40917;
  [[nodiscard]] std::string tc_state() const {
    const auto& dev = pair.veth().a_name();
    return pair.a().exec({"tc", "qdisc", "show", "dev", dev}).output +
           pair.a().exec({"tc", "filter", "show", "dev", dev, "egress"}).output +
           pair.a().exec({"tc", "filter", "show", "dev", dev, "ingress"}).output;
  }
};

class ImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto store = PodmanStore::create();
    if (!store) {
      skip_reason_ = store.error().message();
      return;
    }
    store_ = std::make_unique<PodmanStore>(std::move(*store));
    const ImageSources sources{SEISMO_SOURCE_DIR, SEISMOD_PATH, SEISMO_CLI_PATH, SEISMO_IMAGE_CACHE_DIR};
    std::string base;
    skip_reason_ = image_unavailable_reason(*store_, sources, base);
    if (!skip_reason_.empty()) return;
    auto image = build_seismod_image(*store_, sources, base);
    if (image) image_ = *image;
    else build_error_ = image.error().message();
  }
  static void TearDownTestSuite() { store_.reset(); }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(build_error_.empty()) << build_error_;
    auto spec = DaemonSetSpec::load(std::string(SEISMO_SOURCE_DIR) + "/manifests/daemonset.yaml");
    ASSERT_TRUE(spec) << spec.error().message();
    spec_ = *spec;
    auto target = FaultTarget::create();
    ASSERT_TRUE(target) << target.error().message();
    target_ = std::make_unique<FaultTarget>(std::move(*target));
    ASSERT_TRUE(target_->reachable()) << "the fault target's veth does not pass traffic before any fault";
  }

  Result<SeismodContainer> start(const DaemonSetSpec& spec) {
    return SeismodContainer::start(*store_, image_, spec, SEISMO_CLI_PATH);
  }

  // A 100% loss fault on the target through the CLI: added, then traffic lost.
  void try_fault(SeismodContainer& c, Outcome& out) {
    auto add = c.cli({"fault", "add", "loss", "100%", "--name", "image-loss", "--pid",
                      std::to_string(target_->holder.pid()), "--duration", "5m"});
    if (add.status != 0) {
      out.detail = add.output;
      return;
    }
    out.fault = target_->delivered() == 0;  // 100% loss: not one datagram
    if (!out.fault) out.detail = "added, but traffic still passes";
  }

  Outcome run_with(const DaemonSetSpec& spec) {
    Outcome out;
    auto c = start(spec);
    if (!c) {
      // podman itself failing is no measurement of the removed setting.
      ADD_FAILURE() << "podman could not run the container: " << c.error().message();
      out.detail = c.error().message();
      return out;
    }
    auto st = c->wait_status(kStartTimeout);
    if (!st) {
      out.detail = st.error().message();
      return out;
    }
    out.started = true;
    for (const auto& p : (*st)["probes"]) {
      if (!p.value("attached", false)) out.failed_probes.insert(p.value("name", "?") + " (" + p.value("reason", "") + ")");
    }
    auto metrics = c->http_get("/metrics");
    out.metrics = metrics.status == 0 && metrics.output.find("seismo_") != std::string::npos;
    try_fault(*c, out);
    (void)c->cli({"fault", "clear"});
    return out;
  }

  static inline std::unique_ptr<PodmanStore> store_;
  static inline std::string skip_reason_;
  static inline std::string build_error_;
  static inline std::string image_;
  DaemonSetSpec spec_;
  std::unique_ptr<FaultTarget> target_;
};

TEST_F(ImageTest, DaemonSetSettingsRunProbesMetricsAndFaults) {
  const std::string tc_before = target_->tc_state();
  auto c = start(spec_);
  ASSERT_TRUE(c) << c.error().message();
  auto st = c->wait_status(kStartTimeout);
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_FALSE((*st)["probes"].empty()) << st->dump();
  for (const auto& p : (*st)["probes"]) EXPECT_TRUE(p.value("attached", false)) << p.dump();

  auto metrics = c->http_get("/metrics");
  ASSERT_EQ(metrics.status, 0) << metrics.output;
  EXPECT_NE(metrics.output.find("seismo_build_info"), std::string::npos);
  EXPECT_NE(metrics.output.find("seismo_syscalls_total"), std::string::npos);
  for (const auto& path : {spec_.liveness_path, spec_.readiness_path}) {
    auto probe = c->http_get(path);
    EXPECT_EQ(probe.status, 0) << "kubelet probe " << path << ": " << probe.output;
  }

  // `seismo doctor` in the container (as `kubectl exec` would run it) finds
  // the capabilities the manifest grants sufficient.
  auto doctor = c->exec({"seismo", "-o", "json", "doctor"});
  // The JSON array, then (stderr, same pipe) a summary line when a check fails.
  auto findings = nlohmann::json::parse(doctor.output.substr(0, doctor.output.rfind(']') + 1), nullptr, false);
  ASSERT_TRUE(findings.is_array()) << doctor.output;
  for (const auto& f : findings) {
    if (f.value("area", "") == "capabilities") EXPECT_EQ(f.value("verdict", ""), "ok") << f.dump();
  }

  Outcome out;
  try_fault(*c, out);
  ASSERT_TRUE(out.fault) << out.detail << "\n" << c->logs();
  EXPECT_NE(target_->tc_state(), tc_before) << "the fault installed nothing on the target's device";

  // The kubelet's stop: SIGTERM, then SIGKILL after the grace period. The
  // fault goes with seismod; traffic passes again.
  auto code = c->stop(kGrace);
  ASSERT_TRUE(code) << code.error().message();
  EXPECT_EQ(*code, 0) << c->logs();
  EXPECT_EQ(target_->tc_state(), tc_before) << "tc state left behind";
  EXPECT_TRUE(target_->reachable());
}

// Drops one setting from the manifest's spec; empty when it is not there.
struct Removal {
  std::string name;
  std::function<bool(DaemonSetSpec&)> apply;
};

std::vector<Removal> removals(const DaemonSetSpec& spec) {
  std::vector<Removal> out;
  for (const auto& cap : spec.cap_add) {
    out.push_back({"capability " + cap, [cap](DaemonSetSpec& s) {
                     return std::erase(s.cap_add, cap) > 0;
                   }});
  }
  if (spec.host_pid) out.push_back({"hostPID", [](DaemonSetSpec& s) { return std::exchange(s.host_pid, false); }});
  return out;
}

TEST_F(ImageTest, EveryPrivilegeTheManifestKeepsIsNeeded) {
  ASSERT_FALSE(spec_.cap_add.empty());
  // Each removal must be what breaks, not something else about this run.
  const Outcome full = run_with(spec_);
  ASSERT_TRUE(full.everything()) << "the manifest's own settings: " << full.summary();
  for (const auto& removal : removals(spec_)) {
    DaemonSetSpec reduced = spec_;
    ASSERT_TRUE(removal.apply(reduced)) << removal.name;
    const Outcome out = run_with(reduced);
    std::cout << fmt::format("[ privilege ] without {}: {}\n", removal.name, out.summary());
    EXPECT_FALSE(out.everything()) << "without " << removal.name
                                   << " everything still works: the manifest asks for more than it needs";
    EXPECT_TRUE(target_->reachable()) << "a fault outlived its container (without " << removal.name << ")";
  }
}

}  // namespace
}  // namespace seismo::testing

namespace seismo::testing {
namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The manifest -> podman mapping itself (no podman needed): what the image
// test runs is what the kubelet would, setting by setting.
TEST(DaemonSetToPodman, EverySecuritySettingIsPassed) {
  auto spec = DaemonSetSpec::load(std::string(SEISMO_SOURCE_DIR) + "/manifests/daemonset.yaml");
  ASSERT_TRUE(spec) << spec.error().message();
  ContainerPlan plan{"c", "img", "node-a", "/run/netns/x", {{"/run/seismo", "/tmp/run"}}, {"--extra"}};
  auto args = podman_run_args(*spec, plan);
  ASSERT_TRUE(args) << args.error().message();
  EXPECT_TRUE(has(*args, "--cap-drop=all"));
  for (const auto& c : spec->cap_add) EXPECT_TRUE(has(*args, "--cap-add=" + [&] {
    std::string l = c;
    for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return l;
  }())) << c;
  EXPECT_EQ(has(*args, "--security-opt=no-new-privileges"), !spec->allow_privilege_escalation);
  EXPECT_EQ(has(*args, "--security-opt=seccomp=unconfined"), spec->seccomp.empty() || spec->seccomp == "Unconfined");
  EXPECT_EQ(has(*args, "--read-only"), spec->read_only_root);
  EXPECT_EQ(has(*args, "--pid=host"), spec->host_pid);
  EXPECT_TRUE(has(*args, "--network=ns:/run/netns/x"));
  EXPECT_TRUE(has(*args, "--volume=/tmp/run:/run/seismo:rw")) << "hostPath override";
  EXPECT_TRUE(has(*args, "--volume=/sys/fs/cgroup:/sys/fs/cgroup:ro"));
  EXPECT_TRUE(has(*args, "--env=NODE_NAME=node-a"));
  EXPECT_TRUE(has(*args, "--node-name=node-a")) << "$(NODE_NAME) expanded";
  EXPECT_EQ(args->back(), "--extra");
  EXPECT_TRUE(has(*args, "--memory=" + std::to_string(memory_quantity_bytes(spec->memory_limit))));

  DaemonSetSpec odd = *spec;
  odd.seccomp = "Localhost";
  EXPECT_FALSE(podman_run_args(odd, plan)) << "an unmapped profile must not be silently dropped";
}

TEST(DaemonSetToPodman, KubeletVarsAndQuantities) {
  EXPECT_EQ(expand_kubelet_vars("--a=$(X)/$(Y)$(", {{"X", "1"}}), "--a=1/$(Y)$(");
  EXPECT_EQ(memory_quantity_bytes("128Mi"), 128ULL << 20);
  EXPECT_EQ(memory_quantity_bytes("1G"), 1000000000ULL);
  EXPECT_EQ(memory_quantity_bytes("12Qi"), 0ULL);
}

}  // namespace
}  // namespace seismo::testing
