#include "trace_clients.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

namespace seismo::bench {

using Clock = std::chrono::steady_clock;

void TraceClients::start() { thread_ = std::thread([this] { run(); }); }

void TraceClients::freeze() { frozen_ = true; }

size_t TraceClients::wait_all_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const size_t alive = counters().alive;
    if (alive == 0 || Clock::now() >= deadline) return alive;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void TraceClients::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  clients_.clear();  // OwnedChild kills and reaps
  std::lock_guard lock(mu_);
  counters_.alive = 0;
}

TraceClients::Counters TraceClients::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void TraceClients::spawn_one() {
  const auto ending = static_cast<Ending>(serial_++ % 3);
  std::vector<std::string> argv = {options_.cli, "--socket", options_.socket, "trace", "exec", "-o", "json"};
  if (ending == Ending::count) {
    argv.push_back("--count");
    argv.push_back("20");
  }
  auto child = OwnedChild::spawn_piped(argv);
  std::lock_guard lock(mu_);
  if (!child) {
    ++counters_.start_failures;
    counters_.last_bad = child.error().message();
    return;
  }
  ++counters_.started;
  const auto life = std::uniform_int_distribution<long>(options_.min_life.count(), options_.max_life.count())(rng_);
  // A --count client ends itself; the deadline is its bound (then SIGINT).
  clients_.push_back({std::move(*child), Clock::now() + std::chrono::milliseconds(life), ending});
}

void TraceClients::read_output() {
  std::vector<pollfd> fds;
  for (const auto& c : clients_) fds.push_back({c.child.out_fd(), POLLIN, 0});
  if (fds.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return;
  }
  if (::poll(fds.data(), fds.size(), 100) <= 0) return;
  char buf[16384];
  uint64_t lines = 0;
  for (const auto& p : fds) {
    if (!(p.revents & (POLLIN | POLLHUP))) continue;
    for (ssize_t n; (n = ::read(p.fd, buf, sizeof(buf))) > 0;)
      for (ssize_t i = 0; i < n; ++i) lines += buf[i] == '\n';
  }
  std::lock_guard lock(mu_);
  counters_.events += lines;
}

void TraceClients::reap() {
  for (auto it = clients_.begin(); it != clients_.end();) {
    auto code = it->child.poll_exit();
    if (!code) {
      ++it;
      continue;
    }
    std::lock_guard lock(mu_);
    if (frozen_) {
      ++counters_.exited_after_daemon;  // the shutdown check: its daemon went away
    } else if (it->ending == Ending::count && *code == 0) {
      ++counters_.exited_by_count;
    } else {
      // Ended by itself while the daemon runs: the stream broke under it.
      ++counters_.bad_exits;
      counters_.last_bad = fmt::format("trace client exited by itself with status {}", *code);
    }
    it = clients_.erase(it);
  }
}

void TraceClients::end_due() {
  const auto now = Clock::now();
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (now < it->end_at) {
      ++it;
      continue;
    }
    const bool kill = it->ending == Ending::kill;
    auto code = it->child.stop(kill ? SIGKILL : SIGINT, std::chrono::seconds(5));
    std::lock_guard lock(mu_);
    ++(kill ? counters_.killed : counters_.interrupted);
    if (!kill && (!code || *code != 0)) {
      ++counters_.bad_exits;
      counters_.last_bad = code ? fmt::format("trace client exited {} after SIGINT", *code)
                                : "trace client after SIGINT: " + code.error().message();
    }
    it = clients_.erase(it);
  }
}

void TraceClients::run() {
  auto next_spawn = Clock::now();
  while (!stop_) {
    if (!frozen_ && Clock::now() >= next_spawn) {
      if (clients_.size() < options_.max_alive) spawn_one();
      next_spawn = Clock::now() + options_.spawn_every;
    }
    read_output();
    reap();
    if (!frozen_) end_due();
    std::lock_guard lock(mu_);
    counters_.alive = clients_.size();
  }
}

}  // namespace seismo::bench
