#pragma once

// `seismo trace exec -o json` clients coming and going: a new one every
// `spawn_every` while fewer than `max_alive` run, each living a random time
// and then ended one of three ways in turn: SIGINT (a user's Ctrl-C),
// SIGKILL (a client that vanishes mid-stream), or `--count N` (it leaves by
// itself after N events). Their output is read and counted as it comes.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "owned_child.h"

namespace seismo::bench {

class TraceClients {
 public:
  struct Options {
    std::string cli, socket;
    size_t max_alive = 4;
    std::chrono::milliseconds spawn_every{1500};
    std::chrono::milliseconds min_life{2000}, max_life{8000};
  };
  struct Counters {
    uint64_t started = 0, start_failures = 0;
    uint64_t interrupted = 0, killed = 0, exited_by_count = 0;
    uint64_t exited_after_daemon = 0;  // after freeze(): left when seismod stopped
    uint64_t bad_exits = 0;  // a non-zero status after SIGINT, or an exit nobody asked for
    uint64_t events = 0;     // lines read from all clients
    size_t alive = 0;
    std::string last_bad;
  };

  explicit TraceClients(Options options) : options_(std::move(options)) {}
  ~TraceClients() { stop(); }
  TraceClients(const TraceClients&) = delete;
  TraceClients& operator=(const TraceClients&) = delete;

  void start();
  // Stops starting and ending clients; those alive stay connected (and read)
  // until stop(). For the shutdown check: they must leave when seismod does.
  void freeze();
  // How many clients are still running, after waiting up to `timeout` for
  // them to exit by themselves.
  size_t wait_all_exit(std::chrono::milliseconds timeout);
  void stop();  // ends whatever still runs
  [[nodiscard]] Counters counters() const;

 private:
  enum class Ending { interrupt, kill, count };
  struct Client {
    OwnedChild child;
    std::chrono::steady_clock::time_point end_at;
    Ending ending;
  };
  void run();
  void spawn_one();
  void read_output();
  void reap();
  void end_due();

  Options options_;
  std::atomic<bool> stop_{false}, frozen_{false};
  std::thread thread_;
  std::vector<Client> clients_;  // only the client thread touches it
  std::mt19937 rng_{4242};
  uint64_t serial_ = 0;
  mutable std::mutex mu_;
  Counters counters_;
};

}  // namespace seismo::bench
