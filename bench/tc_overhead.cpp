// bench/tc_overhead: TCP throughput (iperf3) over a veth pair between two
// namespaces, and the program's own cost per packet, under
//   none       no program on the device
//   empty      an empty tc program (the hook's own cost, and the floor of
//              BPF_ENABLE_STATS' per-run accounting)
//   no-match   seismo's program attached, its only fault matching nothing
//              (UDP port 1): the parse + filter path every packet pays
//   loss-0%    a 0% loss fault matching every packet (the full path)
//   peers-N-miss / peers-N-hit
//              a 0% loss fault whose peer set (filter.cidrs, the
//              fault_peers LPM trie) holds N prefixes, the receiver's
//              address outside / inside it: the trie lookup's cost
//              (N = 1 and 1000)
// Conditions interleave within each round; medians over rounds with
// min-max, and the ratio to `none`. ns/packet from BPF_ENABLE_STATS
// (run_time_ns / run_cnt of the attached program; a "packet" is what tc
// sees: a GSO super-packet of up to 64 KB on veth).
// Then the same programs on a 64-byte UDP fixture through BPF_PROG_TEST_RUN
// (1M repeats, median of 5): the program's cost alone, free of iperf3's
// noise and of the stats accounting.
//   tc_overhead [rounds=5] [seconds=5]
#include <bpf/bpf.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_process.h"
#include "chaos/chaos_object.h"
#include "chaos/fault_encoding.h"
#include "chaos/fault_engine.h"
#include "chaos/fault_maps.h"
#include "chaos/monotonic_clock.h"
#include "chaos_support.h"
#include "common/unique_fd.h"
#include "net/link_info.h"
#include "net/netlink_socket.h"
#include "net/tc_filter.h"
#include "netns_fixture.h"
#include "net/qdisc.h"
#include "tc_overhead_empty.skel.h"

using namespace seismo;
using namespace seismo::testing;
using nlohmann::json;

namespace {

struct Sample {
  double gbps = 0;
  double ns_per_packet = 0;
  uint64_t packets = 0;
};

// Throughput of one iperf3 run, Gbit/s (receiver side).
double iperf(const TestNetns& client, const std::string& server_ip, int seconds) {
  auto r = client.exec({"iperf3", "-c", server_ip, "-t", std::to_string(seconds), "-J"});
  json doc = json::parse(r.output, nullptr, false);
  if (doc.is_discarded() || !doc.contains("end")) {
    std::fprintf(stderr, "iperf3 failed: %s\n", r.output.c_str());
    return 0;
  }
  return doc["end"]["sum_received"]["bits_per_second"].get<double>() / 1e9;
}

// run_time_ns and run_cnt of the program behind seismo's filter on the device.
std::pair<uint64_t, uint64_t> program_stats(const TestNetns& ns, const std::string& dev) {
  auto netns = net::Netns::open(ns.path());
  if (!netns) return {0, 0};
  auto sock = net::NetlinkSocket::open_in(*netns);
  if (!sock) return {0, 0};
  auto link = net::find_link(*sock, dev);
  if (!link) return {0, 0};
  auto filters = net::list_filters(*sock, link->ifindex, net::TcHook::egress);
  if (!filters) return {0, 0};
  for (const auto& f : *filters) {
    if (f.bpf_name.rfind("seismo-fault-", 0) != 0 && f.bpf_name != "bench-empty") continue;
    UniqueFd fd(bpf_prog_get_fd_by_id(f.prog_id));
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (fd && bpf_prog_get_info_by_fd(fd.get(), &info, &len) == 0) return {info.run_time_ns, info.run_cnt};
  }
  return {0, 0};
}

// `n` distinct peer prefixes in 10.1-150.0-6.x (/32s and /24s mixed, as
// pod IPs and externalTargets are); with `hit` the last one is `hit_ip`.
std::vector<Cidr> bench_peers(size_t n, bool hit, const std::string& hit_ip = "0.0.0.0") {
  std::vector<Cidr> out;
  for (size_t i = 0; i < n; ++i) {
    const bool last = i + 1 == n;
    std::string text = hit && last ? hit_ip + "/32"
                                   : fmt::format("10.{}.{}.{}/{}", 1 + i % 150, i / 150, (i * 7) % 256,
                                                 i % 2 == 0 ? 32 : 24);
    if (auto c = Cidr::parse(text, "bench")) out.push_back(*c);
  }
  return out;
}

// Median ns per run of `prog_fd` over a 64-byte UDP/IPv4 packet.
double test_run_ns(int prog_fd) {
  std::vector<uint8_t> pkt(64, 0), out(128);
  pkt[12] = 0x08;
  pkt[14] = 0x45;
  pkt[17] = 50;
  pkt[23] = 17;
  std::vector<double> v;
  for (int i = 0; i < 5; ++i) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(pkt.size()), .data_size_out = static_cast<uint32_t>(out.size()),
                .repeat = 1000000);
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return -1;
    v.push_back(opts.duration);
  }
  return bench::spread(v).median;
}

void print_test_run_costs(const std::string& pin_dir, int empty_fd) {
  auto maps = chaos::FaultMaps::open(pin_dir);
  auto prog = chaos::ChaosObject::load_program(pin_dir, {0, net::TcHook::egress, 14, false});
  if (!maps || !prog) {
    std::printf("(BPF_PROG_TEST_RUN costs unavailable)\n");
    return;
  }
  const uint64_t later = chaos::monotonic_now_ns() + 3600'000'000'000ULL;
  // The fixture's packet goes to 0.0.0.0 (an all-zero IPv4 header): a peer
  // set "hits" when it holds 0.0.0.0/32.
  std::vector<Cidr> peers_written;
  uint64_t generation = 1;
  auto set_fault = [&](bool match, size_t npeers = 0, bool guarded = false, double percent = 0) {
    chaos::FaultSpec spec;
    spec.action = chaos::Action::loss;
    spec.loss.percent = percent;
    // Guarded: a dropped budget never reached (the check and the count, no abort).
    if (guarded) spec.guard.limits.push_back({chaos::GuardBudget::dropped, uint64_t{1} << 62});
    if (!match && npeers == 0) {
      spec.filter.protocol = 17;
      spec.filter.ports.push_back({1, 1});
    }
    (void)(*maps)->delete_peers(0, peers_written);
    peers_written = bench_peers(npeers, match);
    spec.filter.cidrs = peers_written;
    ++generation;
    (void)(*maps)->write_peers(0, generation, peers_written);
    (void)(*maps)->write_guard(0, chaos::encode_fault_guard(spec.guard, generation, chaos::monotonic_now_ns()));
    (void)(*maps)->write_cfg(0, chaos::encode_fault_cfg(spec, later, generation));
    fault_attach att{};
    att.count = 1;
    (void)(*maps)->write_attach(0, att);
  };
  std::printf("\nprogram cost on a 64-byte UDP packet (BPF_PROG_TEST_RUN, 1M runs, median of 5)\n");
  std::printf("%-28s %8s\n", "program", "ns/run");
  std::printf("%-28s %8.1f\n", "empty", test_run_ns(empty_fd));
  std::printf("%-28s %8.1f\n", "seismo, no fault listed", test_run_ns((*prog)->program_fd()));
  set_fault(false);
  std::printf("%-28s %8.1f\n", "seismo, no fault matching", test_run_ns((*prog)->program_fd()));
  set_fault(true);
  std::printf("%-28s %8.1f\n", "seismo, 0% loss matching", test_run_ns((*prog)->program_fd()));
  // Guards (issue 16): the added lookup + aborted check, and the atomic
  // count of each dropped packet.
  set_fault(true, 0, true);
  std::printf("%-28s %8.1f\n", "seismo, 0% loss, guarded", test_run_ns((*prog)->program_fd()));
  set_fault(true, 0, false, 100);
  std::printf("%-28s %8.1f\n", "seismo, 100% loss", test_run_ns((*prog)->program_fd()));
  set_fault(true, 0, true, 100);
  std::printf("%-28s %8.1f\n", "seismo, 100% loss, guarded", test_run_ns((*prog)->program_fd()));
  for (size_t n : {size_t{1}, size_t{1000}}) {
    for (bool match : {false, true}) {
      set_fault(match, n);
      std::printf("%-28s %8.1f\n", fmt::format("seismo, {} peers, {}", n, match ? "hit" : "miss").c_str(),
                  test_run_ns((*prog)->program_fd()));
    }
  }
  (void)(*maps)->delete_peers(0, peers_written);
  (void)(*maps)->write_attach(0, fault_attach{});
  (void)(*maps)->clear_cfg(0);
  (void)(*maps)->clear_guard(0);
  prog->reset();
  (void)(*maps)->unpin();
}

// The empty program, attached by hand like seismo's (pref 1, own handle).
class EmptyFilter {
 public:
  EmptyFilter(tc_overhead_empty_bpf* obj, net::NetlinkSocket& sock, int ifindex)
      : obj_(obj), sock_(sock), ifindex_(ifindex) {}
  ~EmptyFilter() { detach(); }
  bool attach() {
    if (!net::add_clsact(sock_, ifindex_)) return false;
    attached_ = net::attach_bpf_filter(sock_, ifindex_, net::TcHook::egress, 1, 0xbe0001,
                                       bpf_program__fd(obj_->progs.tc_empty), "bench-empty")
                    .has_value();
    return attached_;
  }
  void detach() {
    if (!attached_) return;
    (void)net::detach_filter(sock_, ifindex_, net::TcHook::egress, 1, 0xbe0001);
    (void)net::delete_clsact(sock_, ifindex_);
    attached_ = false;
  }

 private:
  tc_overhead_empty_bpf* obj_;
  net::NetlinkSocket& sock_;
  int ifindex_;
  bool attached_ = false;
};

struct Condition {
  std::string name;
  std::function<bool()> setup;
};

struct Samples {
  std::map<std::string, std::vector<double>> gbps, nspp;
  std::map<std::string, uint64_t> packets;
};

bool run_rounds(const std::vector<Condition>& conditions, int rounds, int seconds, const TestNetns& a,
                const VethPair& ab, chaos::FaultEngine& engine, EmptyFilter& empty, Samples& out) {
  for (int round = 0; round < rounds; ++round) {
    for (const auto& c : conditions) {
      if (!c.setup()) {
        std::fprintf(stderr, "setup of %s failed\n", c.name.c_str());
        return false;
      }
      auto before = program_stats(a, ab.a_name());
      double g = iperf(a, ab.b_ip(), seconds);
      auto after = program_stats(a, ab.a_name());
      engine.clear();
      empty.detach();
      out.gbps[c.name].push_back(g);
      const uint64_t runs = after.second - before.second;
      out.packets[c.name] += runs;
      if (runs) out.nspp[c.name].push_back(static_cast<double>(after.first - before.first) / static_cast<double>(runs));
    }
  }
  return true;
}

void print_table(const std::vector<Condition>& conditions, Samples& m, int rounds, int seconds) {
  std::printf("tc_overhead: iperf3 TCP over veth, %d rounds x %d s, medians (min-max)\n\n", rounds, seconds);
  std::printf("%-15s %22s %10s %18s %12s %10s\n", "condition", "Gbit/s", "vs none", "ns/packet", "packets/run",
              "CPU %");
  const double base = bench::spread(m.gbps["none"]).median;
  for (const auto& c : conditions) {
    auto s = bench::spread(m.gbps[c.name]);
    std::string ns = "-", cpu = "-";
    const uint64_t per_run = m.packets[c.name] / static_cast<uint64_t>(rounds);
    if (!m.nspp[c.name].empty()) {
      auto n = bench::spread(m.nspp[c.name]);
      ns = fmt::format("{:.1f} ({:.1f}-{:.1f})", n.median, n.min, n.max);
      // Time the program ran, as a share of one CPU over the run.
      cpu = fmt::format("{:.3f}", n.median * static_cast<double>(per_run) / (seconds * 1e9) * 100);
    }
    std::printf("%-15s %22s %9.2f%% %18s %12llu %10s\n", c.name.c_str(),
                fmt::format("{:.2f} ({:.2f}-{:.2f})", s.median, s.min, s.max).c_str(),
                (s.median / base - 1) * 100, ns.c_str(), static_cast<unsigned long long>(per_run), cpu.c_str());
  }
  std::printf("\ntarget: no-match within 2%% of none. CPU %% = ns/packet x packets / run time: what the program\n"
              "takes from one CPU; when the Gbit/s spread exceeds the differences, that is the bound that holds.\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
  auto running = start_lab_or_report("tc_overhead");
  if (!running) return 1;
  auto& engine = *running->engine;
  const TestNetns& a = running->lab.a();
  const TestNetns& b = running->lab.b();
  const VethPair& ab = running->lab.veth();
  const TempBpffs& fs = running->lab.fs();
  const std::string log = fs.dir() + "/iperf3-server.log";
  pid_t server = bench::spawn({"ip", "netns", "exec", b.name(), "iperf3", "-s", "-B", ab.b_ip()}, log);
  bench::wait_for_text(log, "listening", std::chrono::seconds(5));
  // BPF_ENABLE_STATS: run_time_ns/run_cnt accumulate while this fd is open.
  UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));

  auto fault = [&](const std::string& name, const json& extra) {
    json doc = {{"name", name},
                {"target", {{"netns", a.name()}, {"interface", ab.a_name()}}},
                {"action", "loss"},
                {"loss", {{"percent", 0}}},
                {"duration", "1h"}};
    doc.update(extra);
    auto spec = chaos::parse_fault_spec(doc);
    return spec && engine.add(*spec);
  };
  auto* obj = tc_overhead_empty_bpf__open_and_load();
  auto netns = net::Netns::open(a.path());
  auto sock = netns ? net::NetlinkSocket::open_in(*netns) : Result<net::NetlinkSocket>(fail_plain("no netns"));
  auto link = sock ? net::find_link(*sock, ab.a_name()) : Result<net::LinkInfo>(fail_plain("no socket"));
  if (!obj || !link) {
    std::fprintf(stderr, "cannot set up the empty program\n");
    return 1;
  }
  EmptyFilter empty(obj, *sock, link->ifindex);
  std::vector<Condition> conditions = {
      {"none", [] { return true; }},
      {"empty", [&] { return empty.attach(); }},
      {"no-match", [&] { return fault("nomatch", {{"filter", {{"protocol", "udp"}, {"ports", {1}}}}}); }},
      {"loss-0%", [&] { return fault("zero", json::object()); }},
  };
  // The peer-set conditions: the iperf3 server's address in the set or not.
  auto peers_fault = [&](const std::string& name, size_t n, bool hit) {
    json cidrs = json::array();
    for (const auto& c : bench_peers(n, hit, ab.b_ip())) cidrs.push_back(c.to_string());
    return fault(name, {{"filter", {{"cidrs", cidrs}}}});
  };
  for (size_t n : {size_t{1}, size_t{1000}})
    for (bool hit : {false, true}) {
      const std::string name = fmt::format("peers-{}-{}", n, hit ? "hit" : "miss");
      conditions.push_back({name, [&, name, n, hit] { return peers_fault(name, n, hit); }});
    }
  Samples samples;
  if (!run_rounds(conditions, rounds, seconds, a, ab, engine, empty, samples)) return 1;
  bench::stop(server);
  if (!stats) std::printf("(BPF_ENABLE_STATS unavailable: no ns/packet)\n");
  print_table(conditions, samples, rounds, seconds);
  // A private pin directory on the bench's bpffs (the engine mounted it).
  const std::string pins = fs.bpffs() + "/bench";
  ::mkdir(pins.c_str(), 0700);
  print_test_run_costs(pins, bpf_program__fd(obj->progs.tc_empty));
  ::rmdir(pins.c_str());
  tc_overhead_empty_bpf__destroy(obj);
  return 0;
}
