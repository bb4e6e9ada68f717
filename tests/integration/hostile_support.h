#pragma once

// The hostile-input suite (issue 12): bad, hostile and badly timed input to
// a running seismod. Every case ends with the same checks, done by
// HostileTest::TearDown: seismod still runs and answers `status` promptly,
// no fault is left active, and the tc state of the test's devices is what
// it was before the case (no seismo filter or qdisc left behind).

#include <gtest/gtest.h>

#include <sys/types.h>

#include <chrono>
#include <thread>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaos_support.h"
#include "common/unique_fd.h"
#include "support/run_as.h"
#include "support/seismod_process.h"

namespace seismo::testing {

// A daemon's answer to one request, as the wire carries it.
struct Reply {
  bool answered = false;  // a full line came back before the deadline
  bool ok = false;
  uint64_t id = 0;
  std::string code;       // error.code when !ok
  std::string message;    // error.message when !ok
  nlohmann::json result;  // when ok
  std::string raw;        // the line (or what was read)
};

// A control-socket connection that speaks raw bytes, so a test can send
// what the real client never would.
class RawConnection {
 public:
  static std::optional<RawConnection> open(const std::string& socket_path);
  // Sends bytes as they are; false when the daemon closed the connection.
  bool send(std::string_view bytes);
  // One response line, or answered=false at the deadline or on EOF.
  Reply read_reply(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // True when the daemon closes the connection within the deadline.
  bool closed_within(std::chrono::milliseconds deadline);
  // A well-formed request and its reply.
  Reply call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(), uint64_t id = 1,
             std::chrono::milliseconds deadline = std::chrono::seconds(15));
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  explicit RawConnection(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::string buffer_;
};

Reply parse_reply(const std::string& line);
// One request on a fresh connection.
Reply call_once(const std::string& socket_path, const std::string& method,
                const nlohmann::json& params = nlohmann::json::object());
// The request line the real client sends.
std::string request_line(const std::string& method, const nlohmann::json& params, uint64_t id = 1);

// ok=false with `code`, and a message that contains `field`.
::testing::AssertionResult refused(const Reply& r, const std::string& code, const std::string& field);

using CliResult = RunOutput;
// Runs the seismo CLI (optionally as uid/gid; support/run_as.h).
CliResult run_cli(const std::string& socket, std::vector<std::string> args, uid_t uid = 0, gid_t gid = 0,
                  std::chrono::seconds deadline = std::chrono::seconds(30));

// Connections held open by a child process running as `uid` (SO_PEERCRED is
// taken at connect time). Killed on destruction.
class ForeignClients {
 public:
  static std::optional<ForeignClients> open(const std::string& socket_path, uid_t uid, gid_t gid, int count);
  ForeignClients(ForeignClients&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  ForeignClients& operator=(ForeignClients&&) = delete;
  ~ForeignClients();

 private:
  explicit ForeignClients(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// The shared world of a test suite: one fault lab (namespaces a and b, a
// veth, a private bpffs) and one seismod, started for the suite and
// restarted by a case's TearDown when the case killed it.
class HostileWorld {
 public:
  static std::vector<std::string> default_args(const FaultLab& lab);
  Result<void> start(const std::vector<std::string>& extra_args = {});
  FaultLab& lab() { return *lab_; }
  SeismodProcess& daemon() { return *daemon_; }
  [[nodiscard]] bool running() const;
  // A case that stops seismod on purpose forgets it; the next check starts
  // a fresh one without counting it as a death.
  [[nodiscard]] bool has_daemon() const { return daemon_.has_value(); }
  void forget_daemon() { daemon_.reset(); }
  void replace_daemon(SeismodProcess d);
  // tc qdiscs and filters of the lab's a end, in one `tc -batch` (a tenth
  // of the cost of one `ip netns exec tc` per listing, which adds up over
  // hundreds of cases).
  [[nodiscard]] std::string a_state() const;
  std::vector<std::string> extra_args;
  std::string a_before;

 private:
  std::optional<FaultLab> lab_;
  std::optional<SeismodProcess> daemon_;
};

class HostileTest : public ::testing::Test {
 public:
  static void shut_down_world();

 protected:
  // Suites of one binary share the world (one seismod start, which costs
  // seconds on a loaded machine); it is shut down and checked at exit.
  static void SetUpTestSuite() { start_world({}); }
  // A suite whose seismod needs flags of its own calls this from its
  // SetUpTestSuite (the world restarts when the flags differ).
  static void start_world(const std::vector<std::string>& extra_args);
  void SetUp() override;
  void TearDown() override;

  static HostileWorld& world();
  const std::string& socket() { return world().daemon().socket(); }
  FaultLab& lab() { return world().lab(); }
  const TestNetns& a() { return lab().a(); }
  const std::string& a_dev() { return lab().veth().a_name(); }
  // A loss fault on the lab's a end: the simplest valid fault.
  nlohmann::json loss_fault(const std::string& name, const std::string& duration = "60s");
  Reply call(const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
    return call_once(socket(), method, params);
  }
  CliResult cli(std::vector<std::string> args) { return run_cli(socket(), std::move(args)); }
  // Faults the daemon lists now (empty on error).
  nlohmann::json faults();
  std::string a_state() { return world().a_state(); }
  const std::string& a_before() { return world().a_before; }
  // Cases that install tc objects of their own move the baseline with them.
  void rebaseline() { world().a_before = a_state(); }

 private:
  void check_invariants();
  static std::unique_ptr<HostileWorld> world_;
};

// Waits for `pred` (polled every 50 ms) up to `deadline`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace seismo::testing
