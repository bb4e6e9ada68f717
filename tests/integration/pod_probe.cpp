#include "pod_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace seismo::testing {

using namespace std::chrono_literals;

Result<PodProbe> PodProbe::open(const TestNetns& pod, const TestNetns& node, const std::string& node_ip,
                                uint16_t port) {
  auto rx = node.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
  if (!rx) return fail(std::move(rx).error());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, node_ip.c_str(), &addr.sin_addr) != 1) return fail_plain("bad address " + node_ip);
  if (::bind(rx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail_errno(errno, fmt::format("bind {}:{} in {}", node_ip, port, node.name()));
  auto tx = pod.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
  if (!tx) return fail(std::move(tx).error());
  if (::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return fail_errno(errno, fmt::format("connect to {}:{} from {}", node_ip, port, pod.name()));
  return PodProbe(std::move(*tx), std::move(*rx));
}

uint32_t PodProbe::send() {
  const auto seq = static_cast<uint32_t>(sent_.size());
  sent_.push_back(Clock::now());
  char payload[32] = {};
  std::memcpy(payload, &seq, sizeof seq);
  // A drop in tc may fail the send (ENOBUFS); a lost datagram either way.
  (void)::send(tx_.get(), payload, sizeof payload, 0);
  return seq;
}

std::vector<uint32_t> PodProbe::drain() {
  std::vector<uint32_t> out;
  char buf[64];
  for (;;) {
    ssize_t n = ::recv(rx_.get(), buf, sizeof buf, 0);
    if (n < 0) break;
    uint32_t seq = 0;
    if (static_cast<size_t>(n) < sizeof seq) continue;
    std::memcpy(&seq, buf, sizeof seq);
    if (seq < sent_.size()) out.push_back(seq);  // anything else is not ours
  }
  return out;
}

int PodProbe::delivered(int count, std::chrono::milliseconds wait) {
  const uint32_t first = next_seq();
  int got = 0;
  for (int i = 0; i < count; ++i) {
    send();
    std::this_thread::sleep_for(5ms);
  }
  const auto end = Clock::now() + wait;
  for (;;) {
    for (uint32_t seq : drain()) got += seq >= first ? 1 : 0;
    if (got >= count || Clock::now() >= end) return got;
    pollfd p{rx_.get(), POLLIN, 0};
    ::poll(&p, 1, 10);
  }
}

namespace {

// One probe's state while waiting for its traffic to change.
struct Watch {
  PodProbe* probe;
  uint32_t first = 0;             // datagrams before this are from before the wait
  std::vector<bool> arrived;      // by seq - first
  uint32_t judged = 0;            // datagrams (relative) already judged lost or arrived, in order
  uint32_t lost_run = 0;
  std::optional<double> result;
};

constexpr auto kLostAfter = 100ms;
constexpr uint32_t kLostRun = 3;

void judge(Watch& w, bool passing, PodProbe::Clock::time_point since) {
  for (uint32_t seq : w.probe->drain()) {
    if (seq < w.first) continue;
    const uint32_t rel = seq - w.first;
    if (rel < w.arrived.size()) w.arrived[rel] = true;
    if (passing && !w.result)
      w.result = std::chrono::duration<double>(w.probe->sent_at(seq) - since).count();
  }
  if (passing) return;
  const auto now = PodProbe::Clock::now();
  while (!w.result && w.judged < w.arrived.size()) {
    const uint32_t seq = w.first + w.judged;
    if (w.arrived[w.judged]) {
      w.lost_run = 0;
    } else if (now - w.probe->sent_at(seq) >= kLostAfter) {
      if (++w.lost_run == kLostRun) {
        const uint32_t start = seq - (kLostRun - 1);
        w.result = std::chrono::duration<double>(w.probe->sent_at(start) - since).count();
      }
    } else {
      break;  // too young to judge; later ones too
    }
    ++w.judged;
  }
}

}  // namespace

std::vector<std::optional<double>> wait_for_traffic(const std::vector<PodProbe*>& probes, bool passing,
                                                    PodProbe::Clock::time_point since,
                                                    std::chrono::milliseconds timeout,
                                                    std::chrono::milliseconds round) {
  std::vector<Watch> watches;
  for (auto* p : probes) {
    p->drain();  // older arrivals belong to whatever came before
    watches.push_back({p, p->next_seq(), {}, 0, 0, std::nullopt});
  }
  const auto end = PodProbe::Clock::now() + timeout;
  for (;;) {
    bool open = false;
    for (auto& w : watches) {
      if (w.result) continue;
      w.probe->send();
      w.arrived.push_back(false);
      open = true;
    }
    if (!open || PodProbe::Clock::now() >= end) break;
    std::this_thread::sleep_for(round);
    for (auto& w : watches) judge(w, passing, since);
  }
  // At the timeout, the last datagrams get their chance to be judged.
  const auto settle = PodProbe::Clock::now() + kLostAfter + round;
  auto unresolved = [&] {
    for (const auto& w : watches)
      if (!w.result) return true;
    return false;
  };
  while (unresolved() && PodProbe::Clock::now() < settle) {
    std::this_thread::sleep_for(round);
    for (auto& w : watches)
      if (!w.result) judge(w, passing, since);
  }
  std::vector<std::optional<double>> out;
  for (const auto& w : watches) out.push_back(w.result);
  return out;
}

}  // namespace seismo::testing
