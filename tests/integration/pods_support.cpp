#include "pods_support.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "cgroup/mountinfo.h"
#include "chaos_support.h"

namespace seismo::testing {

namespace fs = std::filesystem;

namespace {

std::string random_hex(size_t n) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

Result<void> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return fail_errno(errno, "mkdir " + path);
  return {};
}

void kill_all(const std::string& dir) {
  for (int round = 0; round < 50; ++round) {
    std::ifstream in(dir + "/cgroup.procs");
    std::vector<pid_t> pids;
    for (pid_t p = 0; in >> p;) pids.push_back(p);
    if (pids.empty()) return;
    for (pid_t p : pids) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

void remove_cgroup_tree(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<std::string> dirs;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  dirs.push_back(dir);
  // Deepest first: a cgroup can only go once its children have.
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& d : dirs) {
    kill_all(d);
    for (int i = 0; i < 50 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<KubepodsTree> KubepodsTree::create() {
  auto cg2 = cgroup::find_mount("cgroup2");
  if (!cg2) return fail(std::move(cg2).error());
  const std::string top = fmt::format("/seismo-it-pods-{}-{}", ::getpid(), random_hex(6));
  KubepodsTree tree(cg2->mount_point, top);
  for (const std::string rel : {top, top + "/kubepods.slice", top + "/kubepods.slice/kubepods-besteffort.slice"})
    if (auto r = make_dir(tree.mount_ + rel); !r) return fail(std::move(r).error());
  return tree;
}

KubepodsTree::~KubepodsTree() {
  if (!top_.empty()) remove_cgroup_tree(mount_ + top_);
}

Result<std::unique_ptr<FakePod>> FakePod::create(const KubepodsTree& tree, const TestNetns* node,
                                                 FakePodOptions options) {
  std::unique_ptr<FakePod> pod(new FakePod(std::move(options)));
  pod->mount_ = tree.mount();
  pod->uid_ = pod->options_.uid.empty()
                  ? fmt::format("{}-{}-{}-{}-{}", random_hex(8), random_hex(4), random_hex(4), random_hex(4), random_hex(12))
                  : pod->options_.uid;
  if (pod->options_.static_pod) {
    pod->mirror_uid_ = pod->uid_;
    pod->uid_ = random_hex(32);  // the config hash the cgroups are named by
  }
  pod->container_id_ = random_hex(64);
  std::string underscored = pod->uid_;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  pod->pod_slice_ = tree.qos_dir() + "/kubepods-besteffort-pod" + underscored + ".slice";
  pod->scope_ = pod->pod_slice_ + "/cri-containerd-" + pod->container_id_ + ".scope";
  if (auto r = make_dir(pod->mount_ + pod->pod_slice_); !r) return fail(std::move(r).error());
  if (auto r = make_dir(pod->mount_ + pod->scope_); !r) return fail(std::move(r).error());

  if (pod->options_.with_network) {
    auto ns = TestNetns::create();
    if (!ns) return fail(std::move(ns).error());
    pod->netns_.emplace(std::move(*ns));
    VethPair::Options vo;
    vo.a_address = fmt::format("10.201.{}.1/24", pod->options_.index);
    vo.b_address = fmt::format("10.201.{}.2/24", pod->options_.index);
    auto veth = VethPair::create(*node, *pod->netns_, vo);
    if (!veth) return fail(std::move(veth).error());
    pod->veth_.emplace(std::move(*veth));
    // Inside the pod the device is eth0, as a CNI names it.
    const std::string& ns_name = pod->netns_->name();
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "-n", ns_name, "link", "set", "dev", pod->veth_->b_name(), "down"},
             {"ip", "-n", ns_name, "link", "set", "dev", pod->veth_->b_name(), "name", "eth0"},
             {"ip", "-n", ns_name, "link", "set", "dev", "eth0", "up"}})
      if (auto r = run_checked(argv); !r) return fail(std::move(r).error());
  }

  // The container's long-running process (what a real pod has).
  const std::string procs = pod->mount_ + pod->scope_ + "/cgroup.procs";
  const std::string netns_path = pod->netns_ ? pod->netns_->path() : "";
  pod->sleeper_ = ::fork();
  if (pod->sleeper_ < 0) return fail_errno(errno, "fork");
  if (pod->sleeper_ == 0) {
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) _exit(120);
    if (!netns_path.empty()) {
      int nfd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (nfd < 0 || ::setns(nfd, CLONE_NEWNET) != 0) _exit(121);
    }
    ::execl("/bin/sleep", "sleep", "3600", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until it is in the cgroup (the daemon finds the netns through it)
  // and has exec'd (its comm is "sleep"): a pod's first exec precedes
  // whatever the test does next, such as announcing the pod.
  const std::string comm_path = fmt::format("/proc/{}/comm", pod->sleeper_);
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(procs);
    pid_t p = 0;
    std::string comm;
    std::ifstream(comm_path) >> comm;
    if ((in >> p) && comm == "sleep") return pod;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return fail_plain("fake pod: its process did not reach " + procs + " and exec sleep");
}

FakePod::~FakePod() {
  remove_cgroups();
  veth_.reset();
  netns_.reset();
}

void FakePod::remove_cgroups() {
  if (sleeper_ > 0) {
    ::kill(sleeper_, SIGKILL);
    ::waitpid(sleeper_, nullptr, 0);
    sleeper_ = -1;
  }
  if (!pod_slice_.empty()) remove_cgroup_tree(mount_ + pod_slice_);
}

std::string FakePod::node_ip() const { return fmt::format("10.201.{}.1", options_.index); }
std::string FakePod::pod_ip() const { return fmt::format("10.201.{}.2", options_.index); }

nlohmann::json FakePod::to_json(const std::string& node_name, const std::string& resource_version) const {
  nlohmann::json meta = {{"uid", options_.static_pod ? mirror_uid_ : uid_},
                         {"name", options_.name},
                         {"namespace", options_.namespace_name},
                         {"resourceVersion", resource_version},
                         {"labels", options_.labels}};
  if (options_.static_pod) meta["annotations"] = {{"kubernetes.io/config.mirror", uid_}};
  return {{"kind", "Pod"},
          {"apiVersion", "v1"},
          {"metadata", meta},
          {"spec", {{"nodeName", node_name}, {"hostNetwork", options_.host_network}}},
          {"status",
           {{"phase", "Running"},
            {"containerStatuses", {{{"name", "app"}, {"containerID", "containerd://" + container_id_}}}}}}};
}

int FakePod::run(const std::vector<std::string>& argv) const {
  const std::string procs = mount_ + scope_ + "/cgroup.procs";
  const std::string netns_path = netns_ ? netns_->path() : "";
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) _exit(120);
    if (!netns_path.empty()) {
      int nfd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (nfd < 0 || ::setns(nfd, CLONE_NEWNET) != 0) _exit(121);
    }
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int FakePod::udp_received(const TestNetns& node, int count) const {
  if (!netns_) return -1;
  static uint16_t port = 40000;
  auto run = udp_run(*netns_, node, node_ip(), ++port, static_cast<size_t>(count));
  return run ? static_cast<int>(run->received) : -1;
}

}  // namespace seismo::testing
