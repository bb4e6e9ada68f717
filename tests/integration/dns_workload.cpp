// A tiny DNS responder and client over UDP for the dashboard test (run in
// test network namespaces; nothing here resolves real names).
//
//   serve PORT           answer every well-formed query: NXDOMAIN for names
//                        whose first label is "nx", NOERROR (no answers)
//                        otherwise; a query for "bad.…" gets a malformed
//                        answer (header, then a name running past the end);
//                        packets shorter than a header are ignored. Prints
//                        "ready" once bound.
//   query IP PORT N      N queries (A and AAAA, half for nx.seismo.test),
//                        each waiting up to 1 s for its answer, then 3
//                        malformed queries (short header, a name running past
//                        the packet, a label length over 63) and one query
//                        drawing a malformed answer. Exits 0 when at least
//                        one query was answered; prints the count.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kHeader = 12;

sockaddr_in address(const char* ip, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &sa.sin_addr);
  return sa;
}

int die(const char* what) {
  std::fprintf(stderr, "dns_workload: %s: %s\n", what, std::strerror(errno));
  return 1;
}

int serve(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa = address("0.0.0.0", port);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) return die("bind");
  std::printf("ready\n");
  std::fflush(stdout);
  std::vector<uint8_t> buf(4096);
  for (;;) {
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < static_cast<ssize_t>(kHeader) || (buf[2] & 0x80) != 0) continue;  // short, or a response
    auto first_label_is = [&](const char* label) {
      const size_t l = std::strlen(label);
      return n > static_cast<ssize_t>(kHeader + 1 + l) && buf[kHeader] == l &&
             std::memcmp(&buf[kHeader + 1], label, l) == 0;
    };
    buf[2] = static_cast<uint8_t>(0x80 | (buf[2] & 0x79));  // QR, keep opcode and RD
    buf[3] = static_cast<uint8_t>(0x80 | (first_label_is("nx") ? 3 : 0));  // RA, rcode
    size_t out = static_cast<size_t>(n);
    if (first_label_is("bad")) {
      buf[kHeader] = 40;  // the first label claims 40 bytes; 2 follow
      out = kHeader + 3;
    }
    sendto(fd, buf.data(), out, 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

std::vector<uint8_t> query_packet(uint16_t id, const std::string& name, uint16_t qtype) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    p.push_back(static_cast<uint8_t>(dot - start));
    p.insert(p.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  p.push_back(0);
  p.insert(p.end(), {static_cast<uint8_t>(qtype >> 8), static_cast<uint8_t>(qtype), 0, 1});
  return p;
}

int query(const char* ip, int port, int count) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return die("socket");
  sockaddr_in to = address(ip, port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) return die("connect");
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  int answered = 0;
  std::vector<uint8_t> reply(4096);
  for (int i = 0; i < count; ++i) {
    const auto id = static_cast<uint16_t>(0x5e00 + i);
    auto q = query_packet(id, i % 2 == 0 ? "ok.seismo.test" : "nx.seismo.test", i % 4 < 2 ? 1 : 28);
    if (send(fd, q.data(), q.size(), 0) < 0) return die("send");
    ssize_t n = recv(fd, reply.data(), reply.size(), 0);
    if (n >= static_cast<ssize_t>(kHeader) && reply[0] == (id >> 8) && reply[1] == (id & 0xff)) ++answered;
  }
  // Malformed: a 5-byte "header"; a question whose label runs past the end;
  // a label length of 64 (over the 63 limit).
  std::vector<std::vector<uint8_t>> bad = {{0x12, 0x34, 0x01, 0x00, 0x00}};
  auto past_end = query_packet(0x1235, "ok.seismo.test", 1);
  past_end.resize(kHeader + 4);
  past_end[kHeader] = 40;
  bad.push_back(past_end);
  auto too_long = query_packet(0x1236, "ok.seismo.test", 1);
  too_long[kHeader] = 64;
  bad.push_back(too_long);
  for (const auto& b : bad)
    if (send(fd, b.data(), b.size(), 0) < 0) return die("send malformed");
  auto draws_bad_answer = query_packet(0x1237, "bad.seismo.test", 1);
  if (send(fd, draws_bad_answer.data(), draws_bad_answer.size(), 0) < 0) return die("send");
  recv(fd, reply.data(), reply.size(), 0);  // the malformed answer (or the 1 s timeout)
  std::printf("answered %d of %d\n", answered, count);
  return answered > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "serve" && argc == 3) return serve(std::atoi(argv[2]));
  if (mode == "query" && argc == 5) return query(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  std::fprintf(stderr, "usage: %s serve PORT | query IP PORT N\n", argv[0]);
  return 2;
}
