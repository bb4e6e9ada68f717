#include "bandwidth_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <atomic>
#include <cstring>
#include <future>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

namespace seismo::testing {

using nlohmann::json;

namespace {

std::vector<double> ping_times(const std::string& out) {
  static const std::regex time_re(R"(time=([0-9.]+) ms)");
  std::vector<double> v;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), time_re); it != std::sregex_iterator(); ++it)
    v.push_back(std::stod((*it)[1].str()));
  return v;
}

CommandOutput ping_verbose(const TestNetns& from, const std::string& to_ip, int count) {
  return from.exec({"ping", "-n", "-c", std::to_string(count), "-i", "0.05", "-W", "1", to_ip});
}

}  // namespace

double LoadRun::rtt_percentile(double p) const {
  if (rtt_ms.empty()) return 0;
  std::vector<double> s = rtt_ms;
  std::sort(s.begin(), s.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
  return s[std::clamp<size_t>(rank, 1, s.size()) - 1];
}

Result<std::vector<double>> ping_idle(const TestNetns& from, const std::string& to_ip, int count) {
  auto r = ping_verbose(from, to_ip, count);
  auto v = ping_times(r.output);
  if (v.empty()) return fail_plain(fmt::format("ping {}: no answer: {}", to_ip, r.output));
  return v;
}

Result<LoadRun> load_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip,
                         const LoadOptions& o) {
  const std::string port = std::to_string(o.port);
  auto server = std::async(std::launch::async, [&] {
    return to.exec({"timeout", std::to_string(o.seconds + 30), "iperf3", "-s", "-1", "-B", to_ip, "-p", port});
  });
  std::vector<std::string> client = {"iperf3", "-c", to_ip, "-p", port, "-t", std::to_string(o.seconds),
                                     "-O", std::to_string(o.omit_seconds), "-J"};
  if (o.udp_bps) {
    client.insert(client.end(), {"-u", "-b", std::to_string(o.udp_bps), "-l", "1400"});
  }
  std::future<CommandOutput> pinger;
  CommandOutput out;
  // The server needs a moment to listen: retry a refused connection.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (o.ping && !pinger.valid())
      pinger = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past slow start and the full bucket
        const int count = std::max(10, (o.seconds - 2) * 20);
        return ping_verbose(from, to_ip, count);
      });
    out = from.exec(client);
    if (out.output.find("Connection refused") == std::string::npos) break;  // iperf3 -J exits 0 on it
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto srv = server.get();
  LoadRun run;
  if (pinger.valid()) run.rtt_ms = ping_times(pinger.get().output);
  json doc = json::parse(out.output, nullptr, false);
  if (out.status != 0 || doc.is_discarded() || !doc.contains("end") || doc.contains("error"))
    return fail_plain(fmt::format("iperf3 client failed ({}): {} / server: {}", out.status,
                                  out.output.substr(0, 2000), srv.output.substr(0, 500)));
  const json& end = doc["end"];
  if (o.udp_bps && end.contains("sum_received")) {
    run.goodput_bps = end["sum_received"].value("bits_per_second", 0.0);
  } else if (o.udp_bps) {  // iperf3 before 3.16: the receiver's count is the sender's less the loss
    run.goodput_bps = end.value("sum", json::object()).value("bits_per_second", 0.0) *
                      (1.0 - end.value("sum", json::object()).value("lost_percent", 0.0) / 100.0);
  } else {
    run.goodput_bps = end.value("sum_received", json::object()).value("bits_per_second", 0.0);
    run.retransmits = end.value("sum_sent", json::object()).value("retransmits", uint64_t{0});
  }
  return run;
}

namespace {

uint64_t mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

struct Arrival {
  uint64_t sent_ns, arrived_ns;
};

// Receives until `stop` and 300 ms without a datagram.
std::vector<Arrival> receive_stamped(int fd, size_t payload, const std::atomic<bool>& stop) {
  std::vector<Arrival> out;
  std::vector<char> buf(payload + 64);
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (stop.load()) break;
      continue;
    }
    if (static_cast<size_t>(n) != payload) continue;
    Arrival a{0, mono_ns()};
    std::memcpy(&a.sent_ns, buf.data() + 8, sizeof(a.sent_ns));
    out.push_back(a);
  }
  return out;
}

}  // namespace

double PacedUdpRun::one_way_percentile(double p) const { return LoadRun{0, 0, one_way_ms}.rtt_percentile(p); }

Result<PacedUdpRun> paced_udp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip,
                                  const PacedUdpOptions& o) {
  if (o.payload < 16 || o.rate_bps == 0) return fail_plain("paced_udp_run: payload < 16 or rate 0");
  auto rx = to.socket(AF_INET, SOCK_DGRAM);
  auto tx = from.socket(AF_INET, SOCK_DGRAM);
  if (!rx) return fail(std::move(rx).error());
  if (!tx) return fail(std::move(tx).error());
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(o.port);
  ::inet_pton(AF_INET, to_ip.c_str(), &at.sin_addr);
  const int big = 16 << 20;
  ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
  ::setsockopt(tx->get(), SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
  timeval tv{0, 300'000};
  ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::bind(rx->get(), reinterpret_cast<const sockaddr*>(&at), sizeof(at)) != 0)
    return fail_errno(errno, fmt::format("bind {}:{}", to_ip, o.port));
  std::atomic<bool> stop{false};
  auto receiver = std::async(std::launch::async, [&] { return receive_stamped(rx->get(), o.payload, stop); });

  // Paced: by each moment, as many datagrams as the rate allows since the
  // start (a sender that fell behind catches up at once), checked every 1 ms.
  PacedUdpRun run;
  std::vector<char> buf(o.payload, 'x');
  const uint64_t t0 = mono_ns(), omit_ns = static_cast<uint64_t>(o.omit_seconds * 1e9);
  const uint64_t end_ns = t0 + static_cast<uint64_t>(o.seconds * 1e9);
  const double per_ns = static_cast<double>(o.rate_bps) / 8.0 / static_cast<double>(o.payload) / 1e9;
  for (uint64_t now = t0; now < end_ns; now = mono_ns()) {
    const auto due = static_cast<uint64_t>(static_cast<double>(now - t0) * per_ns) + 1;
    while (run.sent < due) {
      const uint64_t stamp = mono_ns();
      std::memcpy(buf.data(), &run.sent, sizeof(run.sent));
      std::memcpy(buf.data() + 8, &stamp, sizeof(stamp));
      if (::sendto(tx->get(), buf.data(), buf.size(), 0, reinterpret_cast<const sockaddr*>(&at), sizeof(at)) < 0)
        break;  // ENOBUFS: the next round tries again
      ++run.sent;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  const auto arrivals = receiver.get();
  run.received = arrivals.size();
  uint64_t counted = 0, first = 0, last = 0;
  for (const auto& a : arrivals) {
    if (a.sent_ns < t0 + omit_ns) continue;
    run.one_way_ms.push_back(static_cast<double>(a.arrived_ns - a.sent_ns) / 1e6);
    if (!counted++) first = a.arrived_ns;
    last = a.arrived_ns;
  }
  if (counted > 1)
    run.goodput_bps = 8.0 * static_cast<double>(o.payload) * static_cast<double>(counted - 1) /
                      (static_cast<double>(last - first) / 1e9);
  return run;
}

Result<TbfQdisc> TbfQdisc::add(const TestNetns& ns, const std::string& dev, uint64_t rate_bps, uint64_t burst_bytes,
                               uint64_t limit_bytes) {
  auto r = ns.exec({"tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", fmt::format("{}bit", rate_bps), "burst",
                    std::to_string(burst_bytes), "limit", std::to_string(limit_bytes)});
  if (r.status != 0) return fail_plain(fmt::format("tc qdisc add tbf on {}: {}", dev, r.output));
  return TbfQdisc(ns, dev);
}

TbfQdisc::~TbfQdisc() {
  if (ns_) (void)ns_->exec({"tc", "qdisc", "del", "dev", dev_, "root"});
}

Result<PoliceFilter> PoliceFilter::add(const TestNetns& ns, const std::string& dev, const std::string& hook,
                                       uint64_t rate_bps, uint64_t burst_bytes) {
  auto q = ns.exec({"tc", "qdisc", "add", "dev", dev, "clsact"});
  if (q.status != 0) return fail_plain(fmt::format("tc qdisc add clsact on {}: {}", dev, q.output));
  PoliceFilter filter(ns, dev);  // from here on the destructor removes clsact
  auto r = ns.exec({"tc", "filter", "add", "dev", dev, hook, "matchall", "action", "police", "rate",
                    fmt::format("{}bit", rate_bps), "burst", std::to_string(burst_bytes), "mtu", "64kb", "drop"});
  if (r.status != 0) return fail_plain(fmt::format("tc filter add matchall police on {}: {}", dev, r.output));
  return filter;
}

PoliceFilter::~PoliceFilter() {
  if (ns_) (void)ns_->exec({"tc", "qdisc", "del", "dev", dev_, "clsact"});
}

bool kernel_police_available(const TestNetns& ns, const std::string& dev) {
  return static_cast<bool>(PoliceFilter::add(ns, dev, "egress", 1'000'000, 65536));
}

}  // namespace seismo::testing
