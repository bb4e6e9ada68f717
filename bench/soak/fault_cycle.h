#pragma once

// A loss fault added and removed through the CLI once per period, on the
// veth of a private namespace pair, with UDP datagrams a -> b in both halves
// so each cycle also shows the fault took effect and went away again.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "netns_fixture.h"

namespace seismo::bench {

class FaultCycle {
 public:
  struct Options {
    std::string cli;     // the seismo binary
    std::string socket;  // seismod's control socket
    std::string name_prefix;
    std::chrono::milliseconds period{2000};  // one add and one remove per period
    int loss_percent = 20;
    int datagrams_per_half = 100;
  };
  struct Counters {
    uint64_t adds = 0, removes = 0, add_failures = 0, remove_failures = 0;
    uint64_t sent_faulted = 0, received_faulted = 0;  // while a fault was active
    uint64_t sent_clear = 0, received_clear = 0;      // after it was removed
    std::vector<double> add_ms, remove_ms;  // each CLI command, start to exit
    std::string last_error;
  };

  FaultCycle(const testing::NetnsPair& lab, Options options);
  ~FaultCycle() { stop(false); }
  FaultCycle(const FaultCycle&) = delete;
  FaultCycle& operator=(const FaultCycle&) = delete;

  bool start();  // false: the traffic sockets could not be set up
  // Stops cycling; with `leave_active`, adds one more fault and leaves it
  // for seismod's shutdown to remove. Returns that fault's name (or "").
  std::string stop(bool leave_active);
  [[nodiscard]] Counters counters() const;

 private:
  void run();
  bool add(const std::string& name);
  bool remove(const std::string& name);
  // Sends datagrams_per_half a -> b; returns how many arrived.
  uint64_t send_burst();

  const testing::NetnsPair& lab_;
  Options options_;
  UniqueFd tx_, rx_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  uint64_t serial_ = 0;
  mutable std::mutex mu_;
  Counters counters_;
};

}  // namespace seismo::bench
