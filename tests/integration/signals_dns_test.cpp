// DNS per cgroup (the net probe's cgroup_skb programs): a scripted
// responder (dns_workload) in a network namespace of our own answers each
// rcode after a fixed delay; clients in test cgroups query it over UDP and
// TCP. Each answered query is counted once under its rcode and qtype, its
// latency is the responder's delay, another cgroup's queries stay its own,
// and malformed packets in either direction are counted, not trusted.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <cstdint>
#include <cstdio>
#include <cmath>
#include <thread>

#include <unistd.h>

#include "netns_fixture.h"
#include "support/child_process.h"
#include "support/netns_peer.h"
#include "support/signals_fixture.h"
#include "support/test_cgroup.h"
#include "support/trace_subscription.h"

#include <nlohmann/json.hpp>

using namespace seismo;
using namespace seismo::testing;

namespace {

constexpr int kDelayMs = 20;

class SignalsDns : public SignalsTest {
 protected:
  std::vector<std::string> daemon_args() const override { return {"--probes", "net"}; }

  // The responder in a namespace of its own, answering on port 53 (in
  // `netns` when given, else behind a NetnsPeer's veth).
  void start_responder(const std::string& netns = "") {
    if (netns.empty()) {
      auto p = NetnsPeer::create("dns");
      ASSERT_TRUE(p) << p.error().message();
      peer_.emplace(std::move(*p));
    }
    auto cg = TestCgroup::create("dns-srv");
    ASSERT_TRUE(cg) << cg.error().message();
    server_cg_.emplace(std::move(*cg));
    auto r = ChildProcess::spawn({DNS_WORKLOAD_PATH, "responder", "53", std::to_string(kDelayMs), reply_log_},
                                 {{server_cg_->full_path() + "/cgroup.procs"}, netns.empty() ? peer_->netns_path() : netns});
    ASSERT_TRUE(r) << r.error().message();
    responder_.emplace(std::move(*r));
    ASSERT_TRUE(responder_->wait_ready());
  }

  void query(const TestCgroup& cg, const char* proto, const std::string& name, int qtype, int count) {
    auto rc = run_in_cgroup(cg, {DNS_WORKLOAD_PATH, "query", peer_->peer_ip(), "53", proto, name,
                                 std::to_string(qtype), std::to_string(count)});
    ASSERT_TRUE(rc) << rc.error().message();
    ASSERT_EQ(*rc, 0) << name;
  }

  void TearDown() override {
    responder_.reset();
    ::unlink(reply_log_.c_str());
    SignalsTest::TearDown();
  }

  // How late the responder's send returned after each reply's deadline,
  // by "proto name id" (dns_workload's reply log).
  std::map<std::string, int64_t> reply_lateness() const {
    std::map<std::string, int64_t> late;
    std::ifstream in(reply_log_);
    std::string proto, name;
    int id = 0;
    long long ns = 0;
    while (in >> proto >> name >> id >> ns) late[proto + " " + name + " " + std::to_string(id)] = ns;
    return late;
  }

  const std::string reply_log_ = "/tmp/seismo-it-dns-replies-" + std::to_string(::getpid()) + ".log";
  std::optional<NetnsPeer> peer_;
  std::optional<TestCgroup> server_cg_;
  std::optional<ChildProcess> responder_;
};

struct Case {
  const char* name;   // the first label picks the responder's rcode
  int qtype;
  const char* rcode;  // metric labels
  const char* qtype_label;
  const char* proto;
};

// One qtype per rcode, so a mix-up of either label shows.
constexpr Case kCases[] = {
    {"noerror.test", 1, "NOERROR", "A", "udp"},        {"formerr.test", 15, "FORMERR", "MX", "udp"},
    {"servfail.test", 16, "SERVFAIL", "TXT", "udp"},   {"nxdomain.test", 28, "NXDOMAIN", "AAAA", "udp"},
    {"notimp.test", 12, "NOTIMP", "PTR", "udp"},       {"refused.test", 33, "REFUSED", "SRV", "udp"},
    {"notauth.test", 65, "other", "HTTPS", "udp"},     {"noerror.tcp.test", 5, "NOERROR", "CNAME", "tcp"},
    {"nxdomain.odd.test", 99, "NXDOMAIN", "other", "udp"},
};

double requests(const std::vector<Sample>& s, const std::string& cgroup) {
  return sum_samples(s, "seismo_dns_requests_total", {{"cgroup", cgroup}});
}

// The cumulative count of the bucket whose upper bound is `le_seconds`
// (-1 when there is none).
double bucket(const std::vector<Sample>& s, const std::string& cgroup, double le_seconds) {
  for (const auto& x : s)
    if (x.name == "seismo_dns_latency_seconds_bucket" && x.labels.at("cgroup") == cgroup &&
        x.labels.at("le") != "+Inf" && std::abs(std::stod(x.labels.at("le")) - le_seconds) < 1e-12)
      return x.value;
  return -1;
}

}  // namespace

TEST_F(SignalsDns, CountsEachAnsweredQueryOnceByRcodeAndQtypeWithTheServersDelay) {
  constexpr int kPerCase = 4, kOther = 3;
  constexpr size_t kTotal = std::size(kCases) * kPerCase;
  ASSERT_NO_FATAL_FAILURE(start_responder());
  auto client = TestCgroup::create("dns-client");
  auto other = TestCgroup::create("dns-other");
  ASSERT_TRUE(client && other);
  auto sub = TraceSubscription::start(daemon_->socket(), "trace.dns", {{"cgroup", client->path()}});
  ASSERT_TRUE(sub) << sub.error().message();

  for (const auto& c : kCases) ASSERT_NO_FATAL_FAILURE(query(*client, c.proto, c.name, c.qtype, kPerCase));
  ASSERT_NO_FATAL_FAILURE(query(*other, "udp", "noerror.other.test", 1, kOther));
  ASSERT_TRUE((*sub)->wait_for(kTotal, std::chrono::seconds(20))) << (*sub)->count() << " of " << kTotal;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a stray extra event would arrive by now
  auto events = (*sub)->stop();

  auto s = scrape();
  for (const auto& c : kCases) {
    double n = sum_samples(s, "seismo_dns_requests_total",
                           {{"cgroup", client->path()}, {"rcode", c.rcode}, {"qtype", c.qtype_label}});
    EXPECT_EQ(n, kPerCase) << c.name;
  }
  EXPECT_EQ(requests(s, client->path()), kTotal) << "no request counted twice or under another label";
  EXPECT_EQ(requests(s, other->path()), kOther);
  EXPECT_EQ(sum_samples(s, "seismo_dns_requests_total", {{"cgroup", other->path()}, {"rcode", "NOERROR"}, {"qtype", "A"}}),
            kOther);
  EXPECT_EQ(requests(s, server_cg_->path()), 0) << "the server side is not a client";
  for (const auto& cg : {client->path(), other->path()})
    EXPECT_EQ(sum_samples(s, "seismo_dns_malformed_total", {{"cgroup", cg}}), 0) << cg;

  // Latency model. The query's egress is stamped in the client's send
  // call, before the veth queues the packet and stamps its arrival (UDP:
  // the responder's deadline counts from that kernel timestamp; TCP: from
  // the responder's read). The responder replies at deadline + L, where L
  // is its own lateness (a sleep, then a spin at SCHED_FIFO: L is ~0 on a
  // quiet machine but was seen at 1-3 ms beside a CPU hog, the container's
  // vCPUs being shared), and the client's ingress runs inside that send
  // (veth → backlog → the client socket's filter in the same softirq).
  // So DELAY ≤ latency ≤ DELAY + L + 1 ms, where 1 ms covers the query's
  // path to the timestamp and the reply's path to the filter (tens of µs
  // here). L comes from the responder's reply log, per query. The
  // histogram's log2 buckets are too coarse for ±1 ms: all of 20-21 ms
  // falls in (2^24, 2^25] ns = (16.8, 33.6] ms.
  ASSERT_EQ(events.size(), kTotal);
  const auto late = reply_lateness();
  uint64_t lo = UINT64_MAX, hi = 0;
  int64_t worst_excess = INT64_MIN, max_late = 0;
  for (const auto& ev : events) {
    const auto latency = ev.at("latency_ns").get<uint64_t>();
    lo = std::min(lo, latency);
    hi = std::max(hi, latency);
    std::string name = ev.at("name").get<std::string>();
    name.pop_back();  // the trailing dot
    auto it = late.find(ev.at("protocol").get<std::string>() + " " + name + " " + std::to_string(ev.at("id").get<int>()));
    ASSERT_NE(it, late.end()) << "no reply logged for " << ev.dump();
    max_late = std::max(max_late, it->second);
    worst_excess = std::max(worst_excess, static_cast<int64_t>(latency) - kDelayMs * 1'000'000 - it->second);
    EXPECT_GE(latency, kDelayMs * 1'000'000ull) << ev.dump();
    EXPECT_LE(latency, kDelayMs * 1'000'000ull + static_cast<uint64_t>(std::max<int64_t>(it->second, 0)) + 1'000'000)
        << ev.dump() << " responder late by " << it->second << " ns";
    EXPECT_EQ(ev.at("kind"), "dns");
    EXPECT_EQ(ev.at("server"), peer_->peer_ip());
    EXPECT_EQ(ev.at("server_port"), 53);
    EXPECT_EQ(ev.at("cgroup"), client->path());
  }
  for (const auto& c : kCases) {
    size_t matching = 0;
    for (const auto& ev : events)
      if (ev.at("name") == std::string(c.name) + "." && ev.at("protocol") == c.proto &&
          (std::string(c.rcode) == "other" ? ev.at("rcode") == "NOTAUTH" : ev.at("rcode") == c.rcode))
        ++matching;
    EXPECT_EQ(matching, static_cast<size_t>(kPerCase)) << c.name;
  }
  std::printf("%zu answered queries: latency %.3f .. %.3f ms (responder delay %d ms, its lateness up to %.3f ms; latency "
              "minus delay minus lateness at most %.3f ms)\n",
              kTotal, lo / 1e6, hi / 1e6, kDelayMs, max_late / 1e6, worst_excess / 1e6);
  EXPECT_EQ(sum_samples(s, "seismo_dns_latency_seconds_count", {{"cgroup", client->path()}}), kTotal);
  EXPECT_EQ(bucket(s, client->path(), 0.016777216), 0);
  EXPECT_EQ(bucket(s, client->path(), 0.033554432), kTotal);
  const double sum = sum_samples(s, "seismo_dns_latency_seconds_sum", {{"cgroup", client->path()}});
  EXPECT_GE(sum, kTotal * kDelayMs / 1e3);
  double bound = 0;
  for (const auto& ev : events) bound += static_cast<double>(ev.at("latency_ns").get<uint64_t>()) / 1e9;
  EXPECT_NEAR(sum, bound, 1e-6) << "the histogram's sum is the events' latencies";
  expect_no_losses(s);
}

TEST_F(SignalsDns, MalformedPacketsAreCountedPerDirectionAndTheProbeCarriesOn) {
  ASSERT_NO_FATAL_FAILURE(start_responder());
  auto client = TestCgroup::create("dns-bad");
  ASSERT_TRUE(client);
  // Egress: 7 malformed UDP queries and one TCP message (dns_workload).
  auto rc = run_in_cgroup(*client, {DNS_WORKLOAD_PATH, "malformed", peer_->peer_ip(), "53"});
  ASSERT_TRUE(rc);
  ASSERT_EQ(*rc, 0);
  // Ingress: valid queries answered with a 6-byte reply, qdcount 0, and a
  // compression pointer as the question's name; 2 of each.
  for (const char* name : {"badshort.test", "badqd.test", "badptr.test"})
    ASSERT_NO_FATAL_FAILURE(query(*client, "udp", name, 1, 2));
  // The probe still matches a good query afterwards; its name carries an
  // escape sequence and a space, which the trace shows escaped (\DDD).
  auto sub = TraceSubscription::start(daemon_->socket(), "trace.dns", {{"cgroup", client->path()}});
  ASSERT_TRUE(sub) << sub.error().message();
  ASSERT_NO_FATAL_FAILURE(query(*client, "udp", "noerror.a\x1b[31mb c.test", 1, 1));
  ASSERT_TRUE((*sub)->wait_for(1, std::chrono::seconds(20)));
  auto events = (*sub)->stop();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("name"), "noerror.a\\027[31mb\\032c.test.");

  auto s = scrape();
  EXPECT_EQ(sum_samples(s, "seismo_dns_malformed_total", {{"cgroup", client->path()}, {"direction", "egress"}}), 8);
  EXPECT_EQ(sum_samples(s, "seismo_dns_malformed_total", {{"cgroup", client->path()}, {"direction", "ingress"}}), 6);
  EXPECT_EQ(requests(s, client->path()), 1) << "malformed replies are not counted as answers";
  EXPECT_EQ(sum_samples(s, "seismo_dns_requests_total", {{"cgroup", client->path()}, {"rcode", "NOERROR"}, {"qtype", "A"}}),
            1);
  expect_no_losses(s);
}

TEST_F(SignalsDns, TraceDnsShowsNameTypeRcodeLatencyAndServer) {
  ASSERT_NO_FATAL_FAILURE(start_responder());
  auto client = TestCgroup::create("dns-cli");
  ASSERT_TRUE(client);
  // Each stream stops after its first event. When a CLI has subscribed is
  // not visible from here, so a query goes out every 500 ms until both
  // have one (each then shows a query sent after it subscribed).
  auto json = std::async(std::launch::async,
                         [&] { return run_cli("trace dns -o json --count 1 --cgroup " + client->path()); });
  auto table = std::async(std::launch::async, [&] { return run_cli("trace dns --count 1 --cgroup " + client->path()); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto done = [](auto& f) { return f.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready; };
  while ((!done(json) || !done(table)) && std::chrono::steady_clock::now() < deadline) {
    ASSERT_NO_FATAL_FAILURE(query(*client, "udp", "nxdomain.cli.test", 28, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(done(json) && done(table)) << "a trace dns CLI saw no event in 30 s";
  auto j = json.get();
  ASSERT_EQ(j.exit_code, 0) << j.out;
  auto ev = nlohmann::json::parse(j.out.substr(0, j.out.find('\n')));
  EXPECT_EQ(ev.at("kind"), "dns");
  EXPECT_EQ(ev.at("name"), "nxdomain.cli.test.");
  EXPECT_EQ(ev.at("qtype"), "AAAA");
  EXPECT_EQ(ev.at("rcode"), "NXDOMAIN");
  EXPECT_EQ(ev.at("server"), peer_->peer_ip());
  EXPECT_GE(ev.at("latency_ns").get<uint64_t>(), kDelayMs * 1'000'000ull);
  auto t = table.get();
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("nxdomain.cli.test. AAAA NXDOMAIN 2"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(peer_->peer_ip() + ":53/udp"), std::string::npos) << t.out;
}

// IPv6 (the fast path reads the IPv6 header; the server address is 16
// bytes): client and responder over ::1 in a namespace of our own.
TEST_F(SignalsDns, Ipv6QueriesAreMatchedAndAttributed) {
  auto ns = TestNetns::create();
  ASSERT_TRUE(ns) << ns.error().message();
  auto up = ns->exec({"ip", "link", "set", "lo", "up"});
  ASSERT_EQ(up.status, 0) << up.output;
  ASSERT_NO_FATAL_FAILURE(start_responder(ns->path()));
  auto client = TestCgroup::create("dns-v6");
  ASSERT_TRUE(client);
  auto sub = TraceSubscription::start(daemon_->socket(), "trace.dns", {{"cgroup", client->path()}});
  ASSERT_TRUE(sub) << sub.error().message();
  for (const char* proto : {"udp", "tcp"}) {
    auto q = ChildProcess::spawn({DNS_WORKLOAD_PATH, "query", "::1", "53", proto, "noerror.v6.test", "28", "3"},
                                 {{client->full_path() + "/cgroup.procs"}, ns->path()});
    ASSERT_TRUE(q) << q.error().message();
    auto rc = q->wait_exit();
    ASSERT_TRUE(rc) << rc.error().message();
    ASSERT_EQ(*rc, 0) << proto;
  }
  ASSERT_TRUE((*sub)->wait_for(6, std::chrono::seconds(20))) << (*sub)->count() << " of 6";
  auto events = (*sub)->stop();
  auto s = scrape();
  EXPECT_EQ(sum_samples(s, "seismo_dns_requests_total", {{"cgroup", client->path()}, {"rcode", "NOERROR"}, {"qtype", "AAAA"}}),
            6);
  EXPECT_EQ(requests(s, client->path()), 6);
  EXPECT_EQ(sum_samples(s, "seismo_dns_malformed_total", {{"cgroup", client->path()}}), 0);
  for (const auto& ev : events) {
    EXPECT_EQ(ev.at("server"), "::1") << ev.dump();
    EXPECT_EQ(ev.at("name"), "noerror.v6.test.");
    EXPECT_GE(ev.at("latency_ns").get<uint64_t>(), kDelayMs * 1'000'000ull);
  }
  expect_no_losses(s);
}
