#include "chaos_support.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "cgroup/mountinfo.h"
#include "chaos/namespace_resolver.h"

namespace seismo::testing {

Result<TempBpffs> TempBpffs::create() {
  char tmpl[] = "/tmp/smc-bpffs-XXXXXX";
  if (!::mkdtemp(tmpl)) return fail_errno(errno, "mkdtemp");
  TempBpffs t(tmpl);
  return t;
}

TempBpffs::~TempBpffs() {
  if (dir_.empty()) return;
  // The engine mounts bpffs on first use; unmount whatever is there.
  while (::umount2(bpffs().c_str(), MNT_DETACH) == 0) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> TempBpffs::pins() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(bpffs() + "/seismo", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (!it->is_directory()) out.push_back(it->path().string());
  return out;
}

std::vector<uint64_t> UdpRun::loss_bursts() const {
  std::vector<uint64_t> out;
  uint64_t run = 0;
  for (bool g : got) {
    if (!g) {
      ++run;
    } else if (run) {
      out.push_back(run);
      run = 0;
    }
  }
  if (run) out.push_back(run);
  return out;
}

sockaddr_in ipv4(const std::string& ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  return sa;
}

namespace {

constexpr size_t kUdpPayload = 64;

uint8_t pattern(uint32_t seq, size_t i) { return static_cast<uint8_t>((seq * 2654435761u + i * 40503u) >> 11); }

// Reads what is queued; true when something was.
bool drain(int fd, UdpRun& run) {
  uint8_t buf[2048];
  bool any = false;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) return any;
    any = true;
    ++run.datagrams;
    uint32_t seq = 0;
    std::memcpy(&seq, buf, sizeof(seq));
    bool ok = n == static_cast<ssize_t>(kUdpPayload) && seq < run.got.size();
    for (size_t i = sizeof(seq); ok && i < kUdpPayload; ++i) ok = buf[i] == pattern(seq, i);
    if (!ok) {
      ++run.bad;
      continue;
    }
    if (run.got[seq]) {  // a copy
      ++run.copies;
      continue;
    }
    run.got[seq] = true;
    run.arrivals.push_back(seq);
    ++run.received;
    if (static_cast<int64_t>(seq) < run.highest) ++run.reordered;
    run.highest = std::max(run.highest, static_cast<int64_t>(seq));
  }
}

}  // namespace

uint64_t UdpRun::ahead() const {
  uint64_t n = 0;
  uint32_t lowest_later = UINT32_MAX;
  for (auto it = arrivals.rbegin(); it != arrivals.rend(); ++it) {
    if (lowest_later < *it) ++n;
    lowest_later = std::min(lowest_later, *it);
  }
  return n;
}

Result<UdpRun> udp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                       size_t count, int cpu, uint16_t src_port, bool full_checksum) {
  auto rx = to.socket(AF_INET, SOCK_DGRAM);
  if (!rx) return fail(std::move(rx).error());
  int big = 32 << 20;
  ::setsockopt(rx->get(), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
  auto bind_addr = ipv4(to_ip, port);
  if (::bind(rx->get(), reinterpret_cast<sockaddr*>(&bind_addr), sizeof(bind_addr)) != 0)
    return fail_errno(errno, fmt::format("bind {}:{}", to_ip, port));
  auto tx = from.socket(AF_INET, SOCK_DGRAM);
  if (!tx) return fail(std::move(tx).error());
  int one = 1;
  ::setsockopt(tx->get(), SOL_IP, IP_RECVERR, &one, sizeof(one));
  if (src_port) {
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(src_port);
    if (::bind(tx->get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)) != 0)
      return fail_errno(errno, fmt::format("bind source port {}", src_port));
  }
  if (::connect(tx->get(), reinterpret_cast<sockaddr*>(&bind_addr), sizeof(bind_addr)) != 0)
    return fail_errno(errno, "connect UDP");

  cpu_set_t old_set;
  CPU_ZERO(&old_set);
  pthread_getaffinity_np(pthread_self(), sizeof(old_set), &old_set);
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  }
  UdpRun run;
  run.got.assign(count, false);
  uint8_t payload[kUdpPayload];
  for (uint32_t seq = 0; seq < count; ++seq) {
    std::memcpy(payload, &seq, sizeof(seq));
    for (size_t i = sizeof(seq); i < kUdpPayload; ++i) payload[i] = pattern(seq, i);
    const bool sent = full_checksum ? ::send(tx->get(), payload, sizeof(payload), MSG_MORE) >= 0 &&
                                          ::send(tx->get(), payload, 0, 0) >= 0
                                    : ::send(tx->get(), payload, sizeof(payload), 0) >= 0;
    if (!sent) ++run.send_errors;
    ++run.sent;
    if (seq % 128 == 127) {
      drain(rx->get(), run);
      // veth hands packets to the peer's per-CPU backlog (1,000 deep), drained
      // by softirq; on a loaded machine that runs in ksoftirqd, and a burst
      // overflows it before any tc hook sees the packets. A short sleep lets
      // it run, so every datagram (and a duplicate fault's copy, which
      // doubles the backlog's work) reaches the fault program.
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  if (cpu >= 0) pthread_setaffinity_np(pthread_self(), sizeof(old_set), &old_set);
  // Up to 500 ms for the backlog: done once every datagram arrived and a
  // drain found nothing more (copies come right behind their originals), or
  // after 200 ms once nothing more comes (some were lost).
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const bool more = drain(rx->get(), run);
    if (!more && (run.received == count || i >= 19)) break;
  }
  char buf[512];
  while (::recv(tx->get(), buf, sizeof(buf), MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) ++run.error_queue;
  return run;
}

Result<CsumErrors> CsumErrors::read(const TestNetns& ns) {
  auto udp = ns.snmp("Udp", "InCsumErrors");
  if (!udp) return fail(std::move(udp).error());
  auto tcp = ns.snmp("Tcp", "InCsumErrors");
  if (!tcp) return fail(std::move(tcp).error());
  auto ip = ns.netstat("IpExt", "InCsumErrors");
  if (!ip) return fail(std::move(ip).error());
  return CsumErrors{*udp, *tcp, *ip};
}

Result<TcpRun> tcp_run(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                       size_t bytes) {
  auto listener = to.socket(AF_INET, SOCK_STREAM);
  if (!listener) return fail(std::move(listener).error());
  int one = 1;
  ::setsockopt(listener->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  auto addr = ipv4(to_ip, port);
  if (::bind(listener->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener->get(), 1) != 0)
    return fail_errno(errno, "listen TCP");
  auto pattern = [](size_t i) { return static_cast<uint8_t>((i * 2654435761u) >> 13); };
  TcpRun run;
  bool rx_intact = true;
  std::thread receiver([&] {
    int c = ::accept(listener->get(), nullptr, nullptr);
    if (c < 0) return;
    std::vector<uint8_t> buf(1 << 16);
    size_t pos = 0;
    for (;;) {
      ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i)
        if (buf[static_cast<size_t>(i)] != pattern(pos + static_cast<size_t>(i))) rx_intact = false;
      pos += static_cast<size_t>(n);
    }
    run.bytes_received = pos;
    ::close(c);
  });
  auto tx = from.socket(AF_INET, SOCK_STREAM);
  if (!tx) {
    ::shutdown(listener->get(), SHUT_RDWR);
    receiver.join();
    return fail(std::move(tx).error());
  }
  auto start = std::chrono::steady_clock::now();
  if (::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::shutdown(listener->get(), SHUT_RDWR);
    receiver.join();
    return fail_errno(e, "connect TCP");
  }
  std::vector<uint8_t> chunk(1 << 16);
  size_t sent = 0;
  while (sent < bytes) {
    size_t n = std::min(chunk.size(), bytes - sent);
    for (size_t i = 0; i < n; ++i) chunk[i] = pattern(sent + i);
    size_t off = 0;
    while (off < n) {
      ssize_t w = ::send(tx->get(), chunk.data() + off, n - off, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        run.send_error = true;
        break;
      }
      off += static_cast<size_t>(w);
    }
    if (run.send_error) break;
    sent += n;
  }
  tcp_info info{};
  socklen_t len = sizeof(info);
  ::shutdown(tx->get(), SHUT_WR);
  receiver.join();
  ::getsockopt(tx->get(), IPPROTO_TCP, TCP_INFO, &info, &len);
  run.retransmits = info.tcpi_total_retrans;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.intact = rx_intact && run.bytes_received == bytes;
  return run;
}

Result<Rtt> udp_rtt(const TestNetns& from, const TestNetns& to, const std::string& to_ip, uint16_t port,
                    size_t count) {
  auto echo = to.socket(AF_INET, SOCK_DGRAM);
  if (!echo) return fail(std::move(echo).error());
  auto addr = ipv4(to_ip, port);
  if (::bind(echo->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return fail_errno(errno, fmt::format("bind echo {}:{}", to_ip, port));
  auto tx = from.socket(AF_INET, SOCK_DGRAM);
  if (!tx) return fail(std::move(tx).error());
  if (::connect(tx->get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return fail_errno(errno, "connect");
  std::atomic<bool> stop{false};
  std::thread responder([&] {
    char buf[256];
    while (!stop) {
      pollfd p{echo->get(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in peer{};
      socklen_t len = sizeof(peer);
      ssize_t n = ::recvfrom(echo->get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n > 0) ::sendto(echo->get(), buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer), len);
    }
  });
  Rtt rtt;
  double sum = 0;
  rtt.min_ms = 1e18;
  for (uint32_t i = 0; i < count; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ::send(tx->get(), &i, sizeof(i), 0);
    for (;;) {
      pollfd p{tx->get(), POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      uint32_t got = 0;
      if (::recv(tx->get(), &got, sizeof(got), 0) == sizeof(got) && got == i) {
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        rtt.min_ms = std::min(rtt.min_ms, ms);
        rtt.max_ms = std::max(rtt.max_ms, ms);
        sum += ms;
        ++rtt.answered;
        rtt.samples_ms.push_back(ms);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  responder.join();
  if (!rtt.answered) return fail_plain("no UDP echo answered");
  rtt.avg_ms = sum / static_cast<double>(rtt.answered);
  return rtt;
}

double Rtt::percentile(double p) const {
  if (samples_ms.empty()) return 0;
  std::vector<double> v = samples_ms;
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(p / 100 * static_cast<double>(v.size()));
  return v[std::clamp<size_t>(static_cast<size_t>(rank), 1, v.size()) - 1];
}

double Rtt::stddev() const {
  if (samples_ms.empty()) return 0;
  double s = 0;
  for (double x : samples_ms) s += (x - avg_ms) * (x - avg_ms);
  return std::sqrt(s / static_cast<double>(samples_ms.size()));
}

Result<std::unique_ptr<chaos::FaultEngine>> start_fault_engine(const std::string& bpffs, const std::string& state_file,
                                                               chaos::InstallGate gate) {
  chaos::FaultEngineConfig config;
  config.bpffs = bpffs;
  config.state_file = state_file;
  config.install_gate = std::move(gate);
  auto cg = cgroup::find_mount("cgroup2");
  return chaos::FaultEngine::create(config,
                                    std::make_unique<chaos::NamespaceResolver>(cg ? cg->mount_point : "/sys/fs/cgroup"));
}

Result<FaultLab> FaultLab::create(const VethPair::Options& options) {
  auto fs = TempBpffs::create();
  if (!fs) return fail(std::move(fs).error());
  auto pair = NetnsPair::create(options);
  if (!pair) return fail(std::move(pair).error());
  if (auto r = udp_rtt(pair->a(), pair->b(), pair->veth().b_ip(), 4999, 1); !r)
    return fail(std::move(r).error().wrap("warm up the veth"));
  FaultLab lab(std::move(*fs), std::move(*pair));
  lab.a_before = lab.a_state();
  lab.b_before = lab.b_state();
  return lab;
}

std::optional<RunningLab> start_lab_or_report(const char* program) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "%s needs root (namespaces, tc, BPF)\n", program);
    return std::nullopt;
  }
  auto lab = FaultLab::create();
  if (!lab) {
    std::fprintf(stderr, "%s: %s\n", program, lab.error().message().c_str());
    return std::nullopt;
  }
  auto engine = lab->start_engine();
  if (!engine) {
    std::fprintf(stderr, "%s: %s\n", program, engine.error().message().c_str());
    return std::nullopt;
  }
  return RunningLab{std::move(*lab), std::move(*engine)};
}

std::string tc_state(const TestNetns& ns, const std::string& dev) {
  std::string out = ns.exec({"tc", "qdisc", "show", "dev", dev}).output;
  out += ns.exec({"tc", "filter", "show", "dev", dev, "ingress"}).output;
  out += ns.exec({"tc", "filter", "show", "dev", dev, "egress"}).output;
  // Counters some qdiscs print with their options (htb's unclassified
  // packets) change with any packet; they are not state.
  static const std::regex counters(R"(direct_packets_stat \d+)");
  return std::regex_replace(out, counters, "direct_packets_stat N");
}

}  // namespace seismo::testing
