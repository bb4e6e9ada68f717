#pragma once
// A UDP flood for measuring where a fault stopped touching packets: sender
// threads in one netns send numbered datagrams as fast as they can, each
// recording when every sendto() returned (CLOCK_MONOTONIC, bpf_ktime_get_ns's
// clock); a receiver in the other netns records, per sender, the first
// number that arrived. Threads are joined by stop() or the destructor.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "netns_fixture.h"

namespace seismo::testing {

class SequencedFlood {
 public:
  static Result<std::unique_ptr<SequencedFlood>> start(const TestNetns& from, const TestNetns& to,
                                                       const std::string& ip, uint16_t port, unsigned threads) {
    std::unique_ptr<SequencedFlood> f(new SequencedFlood(threads));
    f->to_.sin_family = AF_INET;
    f->to_.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &f->to_.sin_addr);
    auto rx = to.socket(AF_INET, SOCK_DGRAM);
    if (!rx) return fail(std::move(rx).error());
    const int big = 16 << 20;
    ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    timeval tv{0, 300'000};
    ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::bind(rx->get(), reinterpret_cast<const sockaddr*>(&f->to_), sizeof(f->to_)) != 0)
      return fail_errno(errno, "bind the flood's receiver");
    std::vector<UniqueFd> tx;
    for (unsigned t = 0; t < threads; ++t) {
      auto s = from.socket(AF_INET, SOCK_DGRAM);
      if (!s) return fail(std::move(s).error());
      tx.push_back(std::move(*s));
    }
    f->receiver_ = std::thread([p = f.get(), fd = std::move(*rx)] { p->receive(fd.get()); });
    for (unsigned t = 0; t < threads; ++t)
      f->senders_.emplace_back([p = f.get(), t, fd = std::move(tx[t])] { p->send(t, fd.get()); });
    return f;
  }
  SequencedFlood(const SequencedFlood&) = delete;
  SequencedFlood& operator=(const SequencedFlood&) = delete;
  ~SequencedFlood() { stop(); }

  // Waits until every sender sent `n` more datagrams than now (a loaded
  // machine may not run one for a while), at most `timeout`.
  void wait_each_sends(uint64_t n, std::chrono::milliseconds timeout) {
    std::vector<uint64_t> from(sent_.size());
    for (size_t t = 0; t < sent_.size(); ++t) from[t] = sent_[t].load();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (size_t t = 0; t < sent_.size(); ++t) all = all && sent_[t].load() >= from[t] + n;
      if (all) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void stop() {
    stop_ = true;
    for (auto& th : senders_)
      if (th.joinable()) th.join();
    if (receiver_.joinable()) receiver_.join();
  }
  // After stop(): per sender, the first number received (UINT64_MAX: none),
  // and when each of its sendto() calls returned.
  [[nodiscard]] const std::vector<uint64_t>& first() const { return first_; }
  [[nodiscard]] const std::vector<uint64_t>& returned(unsigned t) const { return returned_[t]; }

 private:
  static constexpr size_t kMaxSends = 4'000'000;
  explicit SequencedFlood(unsigned threads)
      : first_(threads, UINT64_MAX), returned_(threads), sent_(threads) {}
  static uint64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
  }
  void send(unsigned t, int fd) {
    returned_[t].reserve(kMaxSends);
    uint64_t msg[2] = {t, 0};
    while (!stop_.load() && returned_[t].size() < kMaxSends) {
      msg[1] = returned_[t].size();
      if (::sendto(fd, msg, sizeof(msg), 0, reinterpret_cast<const sockaddr*>(&to_), sizeof(to_)) != sizeof(msg))
        continue;
      returned_[t].push_back(now_ns());
      sent_[t].store(returned_[t].size());
    }
  }
  void receive(int fd) {
    uint64_t msg[2];
    for (;;) {
      ssize_t n = ::recv(fd, msg, sizeof(msg), 0);
      if (n < 0 && stop_.load()) break;
      if (n == sizeof(msg) && msg[0] < first_.size()) first_[msg[0]] = std::min(first_[msg[0]], msg[1]);
    }
  }

  sockaddr_in to_{};
  std::atomic<bool> stop_{false};
  std::vector<uint64_t> first_;
  std::vector<std::vector<uint64_t>> returned_;
  std::vector<std::atomic<uint64_t>> sent_;
  std::thread receiver_;
  std::vector<std::thread> senders_;
};

}  // namespace seismo::testing
