// Workloads for the signals integration tests, run inside test cgroups and
// network namespaces. Each mode prints "ready" once set up (servers: bound
// and listening) so the test can synchronise without sleeping.
//
//   tcp-sink PORT [reset]        accept forever; read to EOF and close (or reset at once)
//   udp-sink PORT                receive forever
//   tcp-send IP PORT BYTES [DELAY_MS]  connect, wait, send, half-close, read to EOF
//   tcp-connect IP PORT N [refused]    N connects (refused: each must be refused)
//   udp-send IP PORT COUNT SIZE  COUNT datagrams of SIZE payload bytes
//   spin SECONDS CPU             busy loop pinned to CPU
//   alloc MB                     allocate and touch MB MiB (to hit a memory limit)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void ready() {
  std::printf("ready\n");
  std::fflush(stdout);
}

int die(const char* what) {
  std::fprintf(stderr, "signals_workload: %s: %s\n", what, std::strerror(errno));
  return 1;
}

sockaddr_in address(const char* ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &sa.sin_addr);
  return sa;
}

int listen_on(int type, int port) {
  int fd = socket(AF_INET, type, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa = address("0.0.0.0", port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 128) != 0) return -1;
  return fd;
}

int tcp_sink(int port, bool reset) {
  int fd = listen_on(SOCK_STREAM, port);
  if (fd < 0) return die("listen");
  ready();
  std::vector<char> buf(1 << 16);
  for (;;) {
    int c = accept(fd, nullptr, nullptr);
    if (c < 0) continue;
    if (reset) {
      linger l{1, 0};  // close now with a RST
      setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    } else {
      while (read(c, buf.data(), buf.size()) > 0) {
      }
    }
    close(c);
  }
}

int udp_sink(int port) {
  int fd = listen_on(SOCK_DGRAM, port);
  if (fd < 0) return die("bind");
  ready();
  std::vector<char> buf(1 << 16);
  for (;;) (void)recv(fd, buf.data(), buf.size(), 0);
}

int tcp_connect_to(const char* ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa = address(ip, port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int tcp_send(const char* ip, int port, long bytes, int delay_ms) {
  int fd = tcp_connect_to(ip, port);
  if (fd < 0) return die("connect");
  ready();
  if (delay_ms > 0) usleep(static_cast<useconds_t>(delay_ms) * 1000);
  std::vector<char> buf(1 << 16, 'x');
  while (bytes > 0) {
    ssize_t n = write(fd, buf.data(), static_cast<size_t>(std::min<long>(bytes, static_cast<long>(buf.size()))));
    if (n < 0) return die("write");
    bytes -= n;
  }
  shutdown(fd, SHUT_WR);
  while (read(fd, buf.data(), buf.size()) > 0) {
  }
  close(fd);
  return 0;
}

int tcp_connect(const char* ip, int port, int n, bool expect_refused) {
  ready();
  for (int i = 0; i < n; ++i) {
    int fd = tcp_connect_to(ip, port);
    if (expect_refused) {
      if (fd >= 0 || errno != ECONNREFUSED) return die("connect was not refused");
      continue;
    }
    if (fd < 0) return die("connect");
    close(fd);
  }
  return 0;
}

int udp_send(const char* ip, int port, long count, long size) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa = address(ip, port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return die("connect");
  ready();
  std::vector<char> buf(static_cast<size_t>(size), 'u');
  for (long i = 0; i < count; ++i)
    if (send(fd, buf.data(), buf.size(), 0) != size) return die("send");
  return 0;
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int spin(double seconds, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) return die("sched_setaffinity");
  ready();
  const double end = now_seconds() + seconds;
  volatile unsigned long x = 0;
  while (now_seconds() < end)
    for (int i = 0; i < 10000; ++i) x = x + 1;
  return 0;
}

int alloc(long mib) {
  ready();
  std::vector<char*> blocks;
  for (long i = 0; i < mib; ++i) {
    char* p = static_cast<char*>(std::malloc(1 << 20));
    if (!p) return die("malloc");
    std::memset(p, 1, 1 << 20);  // touch: charge the pages to the memory cgroup
    blocks.push_back(p);
  }
  std::fprintf(stderr, "signals_workload: allocated %ld MiB without being killed\n", mib);
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  auto num = [&](size_t i) { return i < a.size() ? std::atol(a[i].c_str()) : 0L; };
  if (a.size() >= 2 && a[0] == "tcp-sink") return tcp_sink(static_cast<int>(num(1)), a.size() > 2 && a[2] == "reset");
  if (a.size() >= 2 && a[0] == "udp-sink") return udp_sink(static_cast<int>(num(1)));
  if (a.size() >= 4 && a[0] == "tcp-send")
    return tcp_send(a[1].c_str(), static_cast<int>(num(2)), num(3), static_cast<int>(num(4)));
  if (a.size() >= 4 && a[0] == "tcp-connect")
    return tcp_connect(a[1].c_str(), static_cast<int>(num(2)), static_cast<int>(num(3)), a.size() > 4 && a[4] == "refused");
  if (a.size() >= 5 && a[0] == "udp-send") return udp_send(a[1].c_str(), static_cast<int>(num(2)), num(3), num(4));
  if (a.size() >= 3 && a[0] == "spin") return spin(std::atof(a[1].c_str()), static_cast<int>(num(2)));
  if (a.size() >= 2 && a[0] == "alloc") return alloc(num(1));
  std::fprintf(stderr, "usage: signals_workload MODE ARGS (see the source)\n");
  return 2;
}
