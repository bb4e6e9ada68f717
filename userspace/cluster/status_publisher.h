#pragma once

// Sends this node's status entries on their own thread, so a slow API
// server never delays the engine (a deletion is applied at once even while
// a status PATCH hangs). Rate-limited: a new phase, pod list, message or
// generation goes at once; counters alone at most every `counter_interval`
// per fault. A failed write is tried again after `retry_after`.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/status_body.h"
#include "cluster/status_writer.h"

namespace seismo::cluster {

// Where the controller hands entries (the publisher; a recorder in tests).
class StatusSink {
 public:
  virtual ~StatusSink() = default;
  virtual void offer(const std::string& uid, const NodeStatusEntry& entry) = 0;
  // The object is gone: nothing more to write for it.
  virtual void forget(const std::string& uid) = 0;
};

struct StatusPublisherOptions {
  std::chrono::milliseconds counter_interval{5000};
  std::chrono::milliseconds retry_after{5000};
};

class StatusPublisher : public StatusSink {
 public:
  StatusPublisher(std::unique_ptr<StatusWriter> writer, StatusPublisherOptions options = {});
  ~StatusPublisher() override;
  StatusPublisher(const StatusPublisher&) = delete;
  StatusPublisher& operator=(const StatusPublisher&) = delete;

  void start();
  void stop();  // the writer's stop flag must be set by the owner first
  void offer(const std::string& uid, const NodeStatusEntry& entry) override;
  void forget(const std::string& uid) override;
  [[nodiscard]] StatusWriterCounters counters() const { return writer_->counters(); }

 private:
  struct Slot {
    NodeStatusEntry pending;
    bool has_pending = false;
    NodeStatusEntry written;
    bool has_written = false;
    std::chrono::steady_clock::time_point written_at{};
    std::chrono::steady_clock::time_point retry_at{};
  };
  void loop();
  // Whether the slot's pending entry should be written now.
  [[nodiscard]] bool due(const Slot& slot, std::chrono::steady_clock::time_point now) const;

  std::unique_ptr<StatusWriter> writer_;
  StatusPublisherOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Slot> slots_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace seismo::cluster
