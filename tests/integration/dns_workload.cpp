// A scripted DNS responder and clients for the DNS signal tests, one static
// binary (it runs inside network namespaces and test cgroups).
//
//   dns_workload responder PORT DELAY_MS [REPLY_LOG]
//     Answers UDP and TCP queries on PORT after DELAY_MS, counted from the
//     query's arrival (UDP: the kernel's receive timestamp; TCP: when read),
//     to an absolute deadline reached by a sleep and a final spin at
//     SCHED_FIFO when allowed, so a loaded machine adds as little as possible. The first
//     label of the name picks the answer: noerror, formerr, servfail,
//     nxdomain, notimp, refused → that rcode; notauth → rcode 9; badshort →
//     a 6-byte reply; badqd → qdcount 0; badptr → the question's name as a
//     compression pointer. Prints "ready" once both sockets listen.
//   dns_workload query SERVER PORT udp|tcp NAME QTYPE COUNT
//     COUNT queries one after another (ids 1..COUNT), each waiting for its
//     reply (2 s); exits 1 if one does not come.
//   dns_workload malformed SERVER PORT
//     Seven malformed UDP queries and one malformed TCP message (see
//     kMalformed), no replies expected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v & 0xff));
}

Bytes header(uint16_t id, uint16_t flags, uint16_t qdcount) {
  Bytes b;
  put16(b, id);
  put16(b, flags);
  put16(b, qdcount);
  put16(b, 0);
  put16(b, 0);
  put16(b, 0);
  return b;
}

// "a.b.c" in wire form.
Bytes wire_name(const std::string& name) {
  Bytes b;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b.push_back(static_cast<uint8_t>(dot - start));
    b.insert(b.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
  return b;
}

Bytes query(uint16_t id, const std::string& name, uint16_t qtype) {
  Bytes b = header(id, 0x0100 /* RD */, 1);
  Bytes n = wire_name(name);
  b.insert(b.end(), n.begin(), n.end());
  put16(b, qtype);
  put16(b, 1);  // IN
  return b;
}

// An IPv4 or IPv6 address (by whether it has a ':').
struct Address {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
};

Address address(const char* ip, int port) {
  Address a;
  if (std::strchr(ip, ':') != nullptr) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&a.ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<uint16_t>(port));
    a.family = AF_INET6;
    a.len = sizeof(*sa);
    if (inet_pton(AF_INET6, ip, &sa->sin6_addr) == 1) return a;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&a.ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<uint16_t>(port));
    a.len = sizeof(*sa);
    if (inet_pton(AF_INET, ip, &sa->sin_addr) == 1) return a;
  }
  std::fprintf(stderr, "bad address %s\n", ip);
  std::exit(2);
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

// The reply to a query (empty: do not answer); the question is echoed.
// `name` gets the question's name, dotted.
Bytes reply_to(const uint8_t* q, size_t len, std::string& name) {
  if (len < 12 + 5) return {};
  const uint16_t id = static_cast<uint16_t>(q[0] << 8 | q[1]);
  size_t pos = 12;
  std::string first;
  name.clear();
  while (pos < len && q[pos] != 0) {
    const uint8_t l = q[pos];
    if (l > 63 || pos + 1 + l >= len) return {};
    if (first.empty()) first.assign(reinterpret_cast<const char*>(q + pos + 1), l);
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(q + pos + 1), l);
    pos += 1 + l;
  }
  if (pos + 5 > len) return {};
  const Bytes question(q + 12, q + pos + 5);
  static const char* const kRcodes[] = {"noerror", "formerr", "servfail", "nxdomain", "notimp", "refused"};
  int rcode = -1;
  for (int i = 0; i < 6; ++i)
    if (first == kRcodes[i]) rcode = i;
  if (first == "notauth") rcode = 9;
  if (first == "badshort") return Bytes{q[0], q[1], 0x81, 0x80, 0, 1};
  uint16_t qdcount = 1;
  if (first == "badqd") {
    qdcount = 0;
    rcode = 0;
  }
  if (first == "badptr") {
    Bytes b = header(id, 0x8180, 1);
    b.push_back(0xc0);
    b.push_back(0x0c);
    b.insert(b.end(), question.end() - 4, question.end());
    return b;
  }
  if (rcode < 0) return {};
  Bytes b = header(id, static_cast<uint16_t>(0x8180 | rcode), qdcount);
  b.insert(b.end(), question.begin(), question.end());
  return b;
}

int64_t ns_of(const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

timespec timespec_of(int64_t ns) { return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)}; }

// Sleeps until t0 + delay on `clock`, then spins the last 300 µs: a timer
// wakeup can be late by the time an idle CPU takes to wake; a spin at
// SCHED_FIFO is not. Returns the deadline (ns on `clock`).
int64_t sleep_until(clockid_t clock, const timespec& t0, int delay_ms) {
  const int64_t due = ns_of(t0) + int64_t{delay_ms} * 1'000'000;
  const timespec early = timespec_of(due - 300'000);
  while (clock_nanosleep(clock, TIMER_ABSTIME, &early, nullptr) != 0) {
  }
  timespec now;
  do clock_gettime(clock, &now);
  while (ns_of(now) < due);
  return due;
}

// The reply log: "PROTO NAME ID LATE_NS" per reply, LATE_NS = how long
// after its deadline the reply's send call returned (the client's ingress
// runs inside that call). Even a spinning SCHED_FIFO task here was seen
// 1-3 ms late beside a CPU hog (the container's vCPUs are shared), so the
// test bounds each latency by the delay plus this measured lateness.
FILE* g_reply_log = nullptr;

void log_reply(clockid_t clock, const char* proto, const std::string& name, const uint8_t* reply, int64_t due) {
  timespec now;
  clock_gettime(clock, &now);
  if (g_reply_log == nullptr) return;
  std::fprintf(g_reply_log, "%s %s %d %lld\n", proto, name.c_str(), reply[0] << 8 | reply[1],
               static_cast<long long>(ns_of(now) - due));
  std::fflush(g_reply_log);
}

bool read_full(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

void serve_tcp(int conn, int delay_ms) {
  for (;;) {
    uint8_t len_buf[2];
    if (!read_full(conn, len_buf, 2)) break;
    const size_t len = static_cast<size_t>(len_buf[0] << 8 | len_buf[1]);
    Bytes msg(len);
    if (!read_full(conn, msg.data(), len)) break;
    timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    std::string name;
    Bytes r = reply_to(msg.data(), len, name);
    if (r.empty()) break;
    const int64_t due = sleep_until(CLOCK_MONOTONIC, t0, delay_ms);
    Bytes out;
    put16(out, static_cast<uint16_t>(r.size()));
    out.insert(out.end(), r.begin(), r.end());
    if (::write(conn, out.data(), out.size()) != static_cast<ssize_t>(out.size())) break;
    log_reply(CLOCK_MONOTONIC, "tcp", name, r.data(), due);
  }
  ::close(conn);
}

// recvfrom with the kernel's receive timestamp (SO_TIMESTAMPNS,
// CLOCK_REALTIME): taken when the veth queued the packet, in the sender's
// send call, so the delay counts from the query's arrival, not from this
// process's wakeup.
ssize_t recv_stamped(int fd, uint8_t* buf, size_t size, sockaddr_storage& from, socklen_t& from_len, timespec& t0) {
  iovec iov{buf, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = ::recvmsg(fd, &msg, 0);
  from_len = msg.msg_namelen;
  clock_gettime(CLOCK_REALTIME, &t0);  // fallback: no timestamp came
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) std::memcpy(&t0, CMSG_DATA(c), sizeof(t0));
  return n;
}

int responder(int port, int delay_ms) {
  sched_param sp{};
  sp.sched_priority = 10;
  const bool fifo = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
  // Dual-stack sockets: IPv4 queries arrive as v4-mapped addresses.
  int udp = ::socket(AF_INET6, SOCK_DGRAM, 0);
  int tcp = ::socket(AF_INET6, SOCK_STREAM, 0);
  int one = 1, zero = 0;
  ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  ::setsockopt(udp, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
  ::setsockopt(udp, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  ::setsockopt(tcp, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  Address sa = address("::", port);
  if (::bind(udp, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) != 0) die("bind udp");
  if (::bind(tcp, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) != 0) die("bind tcp");
  if (::listen(tcp, 16) != 0) die("listen");
  std::printf("fifo=%d ready\n", fifo ? 1 : 0);
  std::fflush(stdout);
  for (;;) {
    pollfd fds[2] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[0].revents & POLLIN) {
      uint8_t buf[1500];
      sockaddr_storage from{};
      socklen_t flen = 0;
      timespec t0{};
      ssize_t n = recv_stamped(udp, buf, sizeof(buf), from, flen, t0);
      if (n > 0) {
        std::string name;
        Bytes r = reply_to(buf, static_cast<size_t>(n), name);
        if (!r.empty()) {
          const int64_t due = sleep_until(CLOCK_REALTIME, t0, delay_ms);
          ::sendto(udp, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
          log_reply(CLOCK_REALTIME, "udp", name, r.data(), due);
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      int conn = ::accept(tcp, nullptr, nullptr);
      if (conn >= 0) serve_tcp(conn, delay_ms);
    }
  }
}

int connect_to(const char* server, int port, int type) {
  Address sa = address(server, port);
  int fd = ::socket(sa.family, type, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) != 0) die("connect");
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

int run_queries(const char* server, int port, bool tcp, const std::string& name, int qtype, int count) {
  int fd = connect_to(server, port, tcp ? SOCK_STREAM : SOCK_DGRAM);
  for (int i = 1; i <= count; ++i) {
    Bytes q = query(static_cast<uint16_t>(i), name, static_cast<uint16_t>(qtype));
    uint8_t buf[1500];
    if (tcp) {
      Bytes out;
      put16(out, static_cast<uint16_t>(q.size()));
      out.insert(out.end(), q.begin(), q.end());
      if (::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) die("write");
      uint8_t len_buf[2];
      if (!read_full(fd, len_buf, 2)) die("tcp reply length");
      const size_t len = static_cast<size_t>(len_buf[0] << 8 | len_buf[1]);
      if (len > sizeof(buf) || !read_full(fd, buf, len)) die("tcp reply");
    } else {
      if (::send(fd, q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) die("send");
      if (::recv(fd, buf, sizeof(buf), 0) < 2) die("recv");
    }
    if ((buf[0] << 8 | buf[1]) != i) {
      std::fprintf(stderr, "reply id %d, expected %d\n", buf[0] << 8 | buf[1], i);
      return 1;
    }
  }
  ::close(fd);
  return 0;
}

int send_malformed(const char* server, int port) {
  std::vector<Bytes> udp;
  udp.push_back(Bytes{0, 1, 1, 0, 0});  // shorter than a header
  Bytes two = query(2, "two.test", 1);
  two[5] = 2;  // qdcount 2
  udp.push_back(two);
  Bytes ptr = header(3, 0x0100, 1);  // the question's name is a pointer
  ptr.insert(ptr.end(), {0xc0, 0x0c, 0, 1, 0, 1});
  udp.push_back(ptr);
  Bytes cut = header(4, 0x0100, 1);  // a 63-byte label with 10 bytes present
  cut.push_back(63);
  cut.insert(cut.end(), 10, 'x');
  udp.push_back(cut);
  std::string long_name;  // 5 labels of 63: 321 bytes, over 255
  for (int i = 0; i < 5; ++i) long_name += std::string(63, 'a' + i) + (i < 4 ? "." : "");
  udp.push_back(query(5, long_name, 1));
  udp.push_back(header(6, 0x0100, 1));  // a header and no question
  Bytes resp = query(7, "resp.test", 1);
  resp[2] |= 0x80;  // QR set: a response sent to port 53
  udp.push_back(resp);
  int fd = connect_to(server, port, SOCK_DGRAM);
  for (const auto& p : udp)
    if (::send(fd, p.data(), p.size(), 0) != static_cast<ssize_t>(p.size())) die("send");
  ::close(fd);
  int t = connect_to(server, port, SOCK_STREAM);
  const uint8_t tcp_msg[] = {0, 5, 0, 8, 1, 0, 0};  // length 5: shorter than a header
  if (::write(t, tcp_msg, sizeof(tcp_msg)) != sizeof(tcp_msg)) die("write");
  uint8_t b;
  (void)::read(t, &b, 1);  // the responder closes the connection
  ::close(t);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "responder" && (argc == 4 || argc == 5)) {
    if (argc == 5 && (g_reply_log = std::fopen(argv[4], "w")) == nullptr) die("open reply log");
    return responder(std::atoi(argv[2]), std::atoi(argv[3]));
  }
  if (mode == "query" && argc == 8)
    return run_queries(argv[2], std::atoi(argv[3]), std::string(argv[4]) == "tcp", argv[5], std::atoi(argv[6]),
                       std::atoi(argv[7]));
  if (mode == "malformed" && argc == 4) return send_malformed(argv[2], std::atoi(argv[3]));
  std::fprintf(stderr, "usage: dns_workload responder PORT DELAY_MS [REPLY_LOG] | query SERVER PORT udp|tcp NAME QTYPE COUNT | "
                       "malformed SERVER PORT\n");
  return 2;
}
