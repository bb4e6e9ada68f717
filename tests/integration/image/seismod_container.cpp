#include "image/seismod_container.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "common/unique_fd.h"
#include "image/container_args.h"

namespace seismo::testing {
namespace {

constexpr const char* kBpffs = "/sys/fs/bpf";
constexpr const char* kRunDir = "/run/seismo";

std::string unique_name() {
  static std::atomic<int> n{0};
  return fmt::format("seismo-image-{}-{}", ::getpid(), n++);
}

// The --socket path as the host sees it, through the mount that holds it.
Result<std::string> host_socket_path(const DaemonSetSpec& spec, const std::map<std::string, std::string>& override) {
  std::string in_container;
  for (const auto& a : spec.args) {
    if (a.rfind("--socket=", 0) == 0) in_container = a.substr(9);
  }
  if (in_container.empty()) return fail_plain("the DaemonSet passes no --socket=");
  for (const auto& m : spec.mounts) {
    if (in_container.rfind(m.container_path + "/", 0) != 0) continue;
    auto it = override.find(m.host_path);
    const std::string host = it == override.end() ? m.host_path : it->second;
    return host + in_container.substr(m.container_path.size());
  }
  return fail_plain("socket " + in_container + " is on no hostPath mount: the node cannot reach it");
}

}  // namespace

// The kubelet gives the pod in-cluster config (KUBERNETES_SERVICE_HOST and a
// service account token); here an API server listens on 127.0.0.1 of the
// pod's network namespace (its socket is made there; the serving thread
// need not be) and a kubeconfig in the /run/seismo mount points to it.
Result<void> SeismodContainer::serve_api() {
  UniqueFd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!home) return fail_errno(errno, "open this thread's netns");
  if (::setns(pod_netns_.fd(), CLONE_NEWNET) != 0) return fail_errno(errno, "enter " + pod_netns_.path());
  auto api = fakes::FakeKubeApi::start();
  if (::setns(home.get(), CLONE_NEWNET) != 0) std::abort();  // the test thread must not stay in the pod
  if (!api) return fail(std::move(api).error());
  api_ = std::move(*api);
  std::ofstream(work_dir_ + "/run/kubeconfig") << fmt::format(
      "apiVersion: v1\nkind: Config\ncurrent-context: pod\n"
      "clusters: [{{name: pod, cluster: {{server: '{}'}}}}]\n"
      "users: [{{name: pod, user: {{token: service-account-token}}}}]\n"
      "contexts: [{{name: pod, context: {{cluster: pod, user: pod}}}}]\n",
      api_->url());
  return {};
}

Result<SeismodContainer> SeismodContainer::start(const PodmanStore& podman, const std::string& image,
                                                 const DaemonSetSpec& spec, const std::string& cli_path) {
  auto ns = TestNetns::create();
  if (!ns) return fail(std::move(ns).error());
  SeismodContainer c(podman, std::move(*ns));
  c.name_ = unique_name();
  c.cli_path_ = cli_path;
  c.metrics_port_ = spec.metrics_port;
  c.work_dir_ = podman.dir() + "/" + c.name_;
  std::error_code ec;
  std::filesystem::create_directories(c.work_dir_ + "/bpffs", ec);
  std::filesystem::create_directories(c.work_dir_ + "/run", ec);
  if (ec) return fail_plain("create " + c.work_dir_ + ": " + ec.message());
  if (::mount("bpf", (c.work_dir_ + "/bpffs").c_str(), "bpf", 0, "mode=0700") != 0)
    return fail_errno(errno, "mount a private bpffs on " + c.work_dir_ + "/bpffs");
  c.bpffs_mounted_ = true;
  if (auto api = c.serve_api(); !api) return fail(std::move(api).error());
  // lo is down in a fresh namespace; the kubelet's CNI brings it up.
  if (auto up = run_checked({"ip", "-n", c.pod_netns_.name(), "link", "set", "lo", "up"}); !up)
    return fail(std::move(up).error());

  ContainerPlan plan;
  plan.name = c.name_;
  plan.image = image;
  plan.node_name = "image-test-node";
  plan.netns_path = c.pod_netns_.path();
  plan.host_path_override = {{kBpffs, c.work_dir_ + "/bpffs"}, {kRunDir, c.work_dir_ + "/run"}};
  plan.extra_args = {std::string("--kubeconfig=") + kRunDir + "/kubeconfig"};
  auto socket = host_socket_path(spec, plan.host_path_override);
  if (!socket) return fail(std::move(socket).error());
  c.socket_ = *socket;
  auto args = podman_run_args(spec, plan);
  if (!args) return fail(std::move(args).error());
  if (auto r = podman.run_checked(*args, std::chrono::seconds(120)); !r) return fail(std::move(r).error());
  return c;
}

SeismodContainer::SeismodContainer(SeismodContainer&& o) noexcept
    : podman_(o.podman_),
      pod_netns_(std::move(o.pod_netns_)),
      api_(std::move(o.api_)),
      name_(std::exchange(o.name_, {})),
      work_dir_(std::exchange(o.work_dir_, {})),
      bpffs_mounted_(std::exchange(o.bpffs_mounted_, false)),
      socket_(std::move(o.socket_)),
      cli_path_(std::move(o.cli_path_)),
      metrics_port_(o.metrics_port_) {}

SeismodContainer::~SeismodContainer() {
  if (!name_.empty()) (void)podman_->run({"rm", "--force", "--time=30", name_}, std::chrono::seconds(90));
  if (bpffs_mounted_) ::umount2((work_dir_ + "/bpffs").c_str(), MNT_DETACH);
  if (!work_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
  }
}

bool SeismodContainer::running() const {
  auto r = podman_->run({"inspect", "--format={{.State.Running}}", name_}, std::chrono::seconds(60));
  return r.status == 0 && r.output.find("true") != std::string::npos;
}

Result<nlohmann::json> SeismodContainer::wait_status(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = cli({"-o", "json", "status"});
    if (r.status == 0) {
      auto j = nlohmann::json::parse(r.output, nullptr, false);
      if (!j.is_discarded()) return j;
    }
    last = r.output;
    if (!running()) return fail_plain("seismod's container exited: " + logs());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return fail_plain(fmt::format("no status within {} s: {}", timeout.count(), last));
}

CommandOutput SeismodContainer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"timeout", "60", cli_path_, "--socket", socket_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

CommandOutput SeismodContainer::exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> args = {"exec", name_};
  args.insert(args.end(), argv.begin(), argv.end());
  return podman_->run(args, std::chrono::seconds(120));
}

CommandOutput SeismodContainer::http_get(const std::string& path) const {
  return pod_netns_.exec({"curl", "--silent", "--show-error", "--fail", "--max-time", "30",
                          fmt::format("http://127.0.0.1:{}{}", metrics_port_, path)});
}

Result<int> SeismodContainer::stop(std::chrono::seconds grace) {
  auto r = podman_->run_checked({"stop", "--time=" + std::to_string(grace.count()), name_}, grace + std::chrono::seconds(60));
  if (!r) return fail(std::move(r).error());
  auto code = podman_->run_checked({"inspect", "--format={{.State.ExitCode}}", name_}, std::chrono::seconds(60));
  if (!code) return fail(std::move(code).error());
  return std::atoi(code->c_str());
}

std::string SeismodContainer::logs() const {
  return podman_->run({"logs", name_}, std::chrono::seconds(60)).output;
}

}  // namespace seismo::testing
