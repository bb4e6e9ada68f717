#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace httplib {
class Server;
}

namespace seismo::fakes {

// One scripted answer to a watch request.
struct WatchScript {
  int status = 200;
  std::vector<std::string> lines;  // each sent as one chunk followed by '\n'
  // After the lines: keep the stream open (idle) until the client leaves or
  // the server stops; otherwise end it.
  bool hold_open = false;
  // End without the terminating chunk: the client sees a dropped connection.
  bool drop = false;
  std::string body;  // for non-200 statuses
  // After the lines: go silent, sending nothing (not even live events, which
  // wait for the next watch) and never ending, until the client leaves or
  // the server stops: an API server or path that stalled.
  bool stall = false;
};

// A Kubernetes API server on 127.0.0.1 (ephemeral port) that answers
// GET /api/v1/pods (list) and GET /api/v1/pods?watch=1 from scripts, and
// counts what it was asked. When a script queue runs out, lists repeat the
// last list and watches hold an idle stream open.
class FakeKubeApi {
 public:
  static Result<std::unique_ptr<FakeKubeApi>> start();
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  [[nodiscard]] std::string url() const;
  void push_list(int status, std::string body);
  void push_watch(WatchScript script);

  // Live events: a watch held open (no script left) sends these lines as
  // they are pushed, like a real API server streaming changes.
  void push_event(std::string line);
  // Ends every open watch stream abruptly (a dropped connection).
  void drop_streams();
  // Sets what later lists answer (replacing the repeated last list).
  void set_list(std::string body);

  [[nodiscard]] std::size_t list_requests() const;
  [[nodiscard]] std::size_t watch_requests() const;
  // resourceVersion of every watch request, in order.
  [[nodiscard]] std::vector<std::string> watch_resource_versions() const;
  [[nodiscard]] std::vector<std::string> field_selectors() const;
  [[nodiscard]] std::vector<std::string> authorizations() const;

 private:
  FakeKubeApi();
  void install_routes();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::deque<std::pair<int, std::string>> lists_;
  std::pair<int, std::string> last_list_{200, R"({"kind":"PodList","metadata":{"resourceVersion":"1"},"items":[]})"};
  std::deque<WatchScript> watches_;
  std::deque<std::string> live_;
  uint64_t drop_epoch_ = 0;
  std::size_t list_requests_ = 0;
  std::size_t watch_requests_ = 0;
  std::vector<std::string> watch_rvs_;
  std::vector<std::string> field_selectors_;
  std::vector<std::string> authorizations_;
};

}  // namespace seismo::fakes
