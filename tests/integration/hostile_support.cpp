#include "hostile_support.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace seismo::testing {

using nlohmann::json;
using namespace std::chrono_literals;

std::optional<RawConnection> RawConnection::open(const std::string& socket_path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return std::nullopt;
  return RawConnection(std::move(fd));
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Reply RawConnection::read_reply(std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return parse_reply(line);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[16384];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  Reply r;
  r.raw = buffer_;
  return r;
}

bool RawConnection::closed_within(std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  char chunk[16384];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd_.get(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
  return false;
}

Reply RawConnection::call(const std::string& method, const json& params, uint64_t id,
                          std::chrono::milliseconds deadline) {
  if (!send(request_line(method, params, id))) return Reply{};
  return read_reply(deadline);
}

std::string request_line(const std::string& method, const json& params, uint64_t id) {
  json doc = {{"v", 1}, {"id", id}, {"method", method}, {"params", params}};
  return doc.dump() + "\n";
}

Reply parse_reply(const std::string& line) {
  Reply r;
  r.raw = line;
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return r;
  r.answered = true;
  r.ok = doc.value("ok", false);
  if (doc.contains("id") && doc["id"].is_number_unsigned()) r.id = doc["id"].get<uint64_t>();
  if (r.ok) {
    r.result = doc.value("result", json::object());
  } else if (doc.contains("error") && doc["error"].is_object()) {
    r.code = doc["error"].value("code", "");
    r.message = doc["error"].value("message", "");
  }
  return r;
}

Reply call_once(const std::string& socket_path, const std::string& method, const json& params) {
  auto c = RawConnection::open(socket_path);
  if (!c) return Reply{};
  return c->call(method, params);
}

::testing::AssertionResult refused(const Reply& r, const std::string& code, const std::string& field) {
  if (!r.answered) return ::testing::AssertionFailure() << "no answer (read: '" << r.raw.substr(0, 200) << "')";
  if (r.ok) return ::testing::AssertionFailure() << "accepted: " << r.result.dump().substr(0, 300);
  if (r.code != code)
    return ::testing::AssertionFailure() << "code '" << r.code << "', expected '" << code << "': " << r.message;
  if (r.message.find(field) == std::string::npos)
    return ::testing::AssertionFailure() << "message does not name '" << field << "': " << r.message;
  return ::testing::AssertionSuccess();
}

CliResult run_cli(const std::string& socket, std::vector<std::string> args, uid_t uid, gid_t gid,
                  std::chrono::seconds deadline) {
  args.insert(args.begin(), {SEISMO_CLI_PATH, "--socket", socket});
  return run_as(std::move(args), uid, gid, deadline);
}

std::optional<ForeignClients> ForeignClients::open(const std::string& socket_path, uid_t uid, gid_t gid, int count) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    if (uid && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) _exit(125);
    std::vector<RawConnection> held;
    for (int i = 0; i < count; ++i)
      if (auto c = RawConnection::open(socket_path)) held.push_back(std::move(*c));
    char n = static_cast<char>(held.size() == static_cast<size_t>(count));
    (void)!::write(ready[1], &n, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ssize_t n = ::read(ready[0], &ok, 1);
  ::close(ready[0]);
  ForeignClients clients(pid);
  if (n != 1 || !ok) return std::nullopt;
  return clients;
}

ForeignClients::~ForeignClients() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  ::waitpid(pid_, &status, 0);
}

std::vector<std::string> HostileWorld::default_args(const FaultLab& lab) {
  // One probe keeps start-up short; trace.exec needs it.
  return {"--bpffs", lab.fs().bpffs(), "--fault-state", lab.fs().state_file(), "--probes", "exec"};
}

Result<void> HostileWorld::start(const std::vector<std::string>& extra) {
  if (!lab_) {
    auto lab = FaultLab::create();
    if (!lab) return fail(std::move(lab).error());
    lab_.emplace(std::move(*lab));
    a_before = a_state();
  }
  extra_args = extra;
  auto args = default_args(*lab_);
  args.insert(args.end(), extra.begin(), extra.end());
  auto d = SeismodProcess::start(args);
  if (!d) return fail(std::move(d).error());
  daemon_.emplace(std::move(*d));
  return {};
}

std::string HostileWorld::a_state() const {
  const std::string batch = lab_->fs().dir() + "/a-state.tc";
  if (!std::filesystem::exists(batch)) {
    const std::string& dev = lab_->veth().a_name();
    std::ofstream(batch) << "qdisc show dev " << dev << "\nfilter show dev " << dev << " ingress\nfilter show dev "
                         << dev << " egress\n";
  }
  return run_command({"tc", "-n", lab_->a().name(), "-batch", batch}).output;
}

bool HostileWorld::running() const {
  if (!daemon_ || daemon_->pid() <= 0) return false;
  return ::kill(daemon_->pid(), 0) == 0 && ::waitpid(daemon_->pid(), nullptr, WNOHANG) == 0;
}

void HostileWorld::replace_daemon(SeismodProcess d) {
  daemon_.reset();
  daemon_.emplace(std::move(d));
}

std::unique_ptr<HostileWorld> HostileTest::world_;

HostileWorld& HostileTest::world() { return *world_; }

namespace {
class WorldShutdown : public ::testing::Environment {
 public:
  void TearDown() override { HostileTest::shut_down_world(); }
};
[[maybe_unused]] ::testing::Environment* const g_world_shutdown = ::testing::AddGlobalTestEnvironment(new WorldShutdown);
}  // namespace

void HostileTest::start_world(const std::vector<std::string>& extra_args) {
  if (::geteuid() != 0) return;
  if (world_ && world_->extra_args == extra_args) return;
  shut_down_world();
  world_ = std::make_unique<HostileWorld>();
  if (auto r = world_->start(extra_args); !r) {
    ADD_FAILURE() << "start seismod: " << r.error().message();
    world_.reset();
  }
}

void HostileTest::shut_down_world() {
  if (!world_) return;
  if (world_->running()) {
    auto rc = world_->daemon().stop();
    EXPECT_TRUE(rc && *rc == 0) << "seismod did not stop cleanly: " << world_->daemon().log();
  }
  EXPECT_TRUE(world_->lab().fs().pins().empty()) << "pins left after shutdown";
  EXPECT_EQ(world_->lab().b_state(), world_->lab().b_before) << "tc state of the b end changed";
  EXPECT_FALSE(std::filesystem::exists(world_->lab().fs().state_file())) << "state file left after shutdown";
  world_.reset();
}

void HostileTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (seismod, netns, tc)";
  if (!world_) GTEST_SKIP() << "seismod did not start for this suite";
  if (!world_->has_daemon() || !world_->running()) {
    world_->forget_daemon();
    auto r = world_->start(world_->extra_args);
    ASSERT_TRUE(r) << r.error().message();
  }
}

void HostileTest::TearDown() {
  if (world_ && ::geteuid() == 0) check_invariants();
}

json HostileTest::faults() {
  Reply r = call("fault.ls");
  if (!r.ok || !r.result.contains("faults")) return json::array();
  return r.result["faults"];
}

json HostileTest::loss_fault(const std::string& name, const std::string& duration) {
  return {{"name", name},
          {"target", {{"netns", a().name()}, {"interface", a_dev()}}},
          {"action", "loss"},
          {"loss", {{"percent", 100}}},
          {"duration", duration}};
}

void HostileTest::check_invariants() {
  if (!world_->has_daemon()) {
    if (auto r = world_->start(world_->extra_args); !r) {
      ADD_FAILURE() << "restart seismod: " << r.error().message();
      return;
    }
  } else if (!world_->running()) {
    ADD_FAILURE() << "seismod died during the case; its log:\n" << world_->daemon().log();
    world_->forget_daemon();
    if (auto r = world_->start(world_->extra_args); !r) {
      ADD_FAILURE() << "restart seismod: " << r.error().message();
      return;
    }
  }
  // `status` reads in-memory state only: 10 s is two orders of magnitude
  // above its cost even on a loaded 2-core machine.
  auto c = RawConnection::open(socket());
  ASSERT_TRUE(c) << "cannot connect to seismod after the case";
  Reply st = c->call("status", json::object(), 1, 10s);
  EXPECT_TRUE(st.ok) << "status not answered within 10 s after the case: " << st.raw;
  json left = faults();
  EXPECT_TRUE(left.empty()) << "faults left behind: " << left.dump();
  if (!left.empty()) (void)call("fault.clear");
  std::string a_now = a_state();
  EXPECT_EQ(a_now, a_before()) << "tc state of " << a_dev() << " changed";
  if (!left.empty() || a_now != a_before()) {
    // One defect must not fail every later case: a fresh seismod (whose
    // records may be stale now) on a device put back to its first state.
    world_->daemon().kill_hard();
    world_->forget_daemon();
    a().exec({"tc", "qdisc", "del", "dev", a_dev(), "clsact"});
    a().exec({"tc", "qdisc", "del", "dev", a_dev(), "root"});
    std::filesystem::remove(lab().fs().state_file());
    rebaseline();
    if (auto r = world_->start(world_->extra_args); !r) ADD_FAILURE() << "restart seismod: " << r.error().message();
  }
}

}  // namespace seismo::testing
