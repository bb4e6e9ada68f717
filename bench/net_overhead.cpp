// bench/net_overhead: iperf3 between two network namespaces joined by a
// veth pair: with nothing attached ("off"), with pass-only cgroup_skb
// programs ("empty": the hook's own cost), and with seismo's net probe
// ("probe", attached at the cgroup2 root as seismod does). Two workloads: TCP bulk
// throughput, and UDP with 64-byte payloads (packet-rate bound, where a
// per-packet cost shows most). Conditions alternate within each round;
// prints medians and the relative loss with the probe attached.
//
// Usage: net_overhead [ROUNDS] [SECONDS_PER_RUN]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <bpf/libbpf.h>
#include <fcntl.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench_process.h"
#include "prog_stats.h"
#include "cgroup/mountinfo.h"
#include "net_overhead.skel.h"
#include "probes/net.h"

using namespace seismo;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  pclose(p);
  return out;
}

// Two namespaces and the veth between them; removed on destruction.
struct NamespacePair {
  std::string a, b;
  NamespacePair() {
    const std::string tag = std::to_string(getpid());
    a = "seismo-bench-net-" + tag + "-a";
    b = "seismo-bench-net-" + tag + "-b";
    for (const std::string& cmd : {"ip netns add " + a, "ip netns add " + b,
                                   "ip -n " + a + " link add eth0 type veth peer name eth0 netns " + b,
                                   "ip -n " + a + " addr add 10.232.0.1/30 dev eth0",
                                   "ip -n " + b + " addr add 10.232.0.2/30 dev eth0",
                                   "ip -n " + a + " link set eth0 up", "ip -n " + b + " link set eth0 up",
                                   "ip -n " + a + " link set lo up", "ip -n " + b + " link set lo up"}) {
      if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) {
        std::fprintf(stderr, "net_overhead: `%s` failed\n", cmd.c_str());
        ok = false;
        return;
      }
    }
  }
  ~NamespacePair() {
    (void)std::system(("ip netns del " + a + " >/dev/null 2>&1").c_str());
    (void)std::system(("ip netns del " + b + " >/dev/null 2>&1").c_str());
  }
  bool ok = true;
};

struct Workload {
  const char* name;
  const char* args;  // iperf3 client arguments
  const char* unit;
  double (*measure)(const nlohmann::json&, double seconds);
};

double tcp_gbits(const nlohmann::json& j, double) {
  return j["end"]["sum_received"]["bits_per_second"].get<double>() / 1e9;
}

double udp_kpps(const nlohmann::json& j, double seconds) {
  const auto& sum = j["end"]["sum"];
  double received = sum["packets"].get<double>() - sum["lost_packets"].get<double>();
  return received / seconds / 1e3;
}

// One iperf3 run of `w` under condition `c`: "off" (nothing attached),
// "empty" (empty cgroup_skb programs) or "probe" (seismo's net probe), its
// result and the programs' run time added to results/prog_cost. False when
// the programs cannot be loaded or attached; a failed iperf3 run is skipped.
bool run_condition(const Workload& w, const std::string& c, const std::string& cgroup2, const NamespacePair& ns,
                   int seconds, std::map<std::string, std::vector<double>>& results,
                   std::map<std::string, bench::ProgRunStats>& prog_cost) {
  std::unique_ptr<probes::NetProbe> probe;
  std::unique_ptr<net_overhead_bpf, void (*)(net_overhead_bpf*)> empty(nullptr, net_overhead_bpf__destroy);
  std::vector<bpf::LinkPtr> empty_links;
  if (c == "probe") {
    auto p = probes::NetProbe::create({10240, cgroup2});
    if (!p) {
      std::fprintf(stderr, "net_overhead: %s\n", p.error().message().c_str());
      return false;
    }
    probe = std::move(*p);
  } else if (c == "empty") {
    empty.reset(net_overhead_bpf__open_and_load());
    UniqueFd cg(::open(cgroup2.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (bpf_program* prog : {empty ? empty->progs.bench_cgskb_in : nullptr,
                              empty ? empty->progs.bench_cgskb_eg : nullptr}) {
      bpf_link* l = prog ? bpf_program__attach_cgroup(prog, cg.get()) : nullptr;
      if (!l) {
        std::fprintf(stderr, "net_overhead: attach the empty programs failed\n");
        return false;
      }
      empty_links.emplace_back(l);
    }
  }
  std::string out = run(fmt::format("ip netns exec {} iperf3 -c 10.232.0.2 -p 5299 -t {} -J {}", ns.a, seconds,
                                    w.args));
  auto st = c == "probe"   ? bench::prog_run_stats({"cgskb_ingress", "cgskb_egress"})
            : c == "empty" ? bench::prog_run_stats({"bench_cgskb_in", "bench_cgskb_eg"})
                           : bench::ProgRunStats{};
  prog_cost[std::string(w.name) + "/" + c].runs += st.runs;
  prog_cost[std::string(w.name) + "/" + c].run_ns += st.run_ns;
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.contains("end")) {
    std::fprintf(stderr, "net_overhead: iperf3 %s failed: %.300s\n", w.name, out.c_str());
    return true;
  }
  results[std::string(w.name) + "/" + c].push_back(w.measure(j, seconds));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 3;
  if (geteuid() != 0) {
    std::fprintf(stderr, "net_overhead: run as root (namespaces, BPF)\n");
    return 1;
  }
  if (std::system("iperf3 --version >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "net_overhead: iperf3 is not installed\n");
    return 1;
  }
  libbpf_set_print(nullptr);
  auto cg2 = cgroup::find_mount("cgroup2");
  if (!cg2) {
    std::fprintf(stderr, "net_overhead: %s\n", cg2.error().message().c_str());
    return 1;
  }
  NamespacePair ns;
  if (!ns.ok) return 1;
  const std::string log = "/tmp/seismo-bench-net-" + std::to_string(getpid()) + ".iperf3.log";
  pid_t server = bench::spawn({"ip", "netns", "exec", ns.b, "iperf3", "-s", "-p", "5299", "--forceflush"}, log);
  if (!bench::wait_for_text(log, "listening", std::chrono::seconds(10))) {
    std::fprintf(stderr, "net_overhead: iperf3 server did not start (%s)\n", log.c_str());
    bench::stop(server);
    return 1;
  }

  const Workload workloads[] = {
      {"tcp", "", "Gbit/s", tcp_gbits},
      {"udp-64B", "-u -b 0 -l 64", "kpps", udp_kpps},
  };
  std::map<std::string, std::vector<double>> results;  // "<workload>/<condition>"
  std::map<std::string, bench::ProgRunStats> prog_cost;   // BPF run time, per "<workload>/<condition>"
  bench::RunTimeStats stats_on;
  for (int r = 0; r < rounds; ++r) {
    for (const auto& w : workloads) {
      for (const char* cond : {"off", "empty", "probe"}) {
        if (!run_condition(w, cond, cg2->mount_point, ns, seconds, results, prog_cost)) {
          bench::stop(server);
          return 1;
        }
      }
    }
    std::fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
  }
  bench::stop(server);
  ::unlink(log.c_str());

  fmt::print("net_overhead: iperf3 between two namespaces over veth, {} s per run, {} interleaved rounds; "
             "probe = seismo's cgroup_skb ingress+egress programs at the cgroup2 root\n\n",
             seconds, rounds);
  fmt::print("{:<9} {:<8} {:>9} {:>9} {:>9} {:>9} {:>14} {:>13} {:>13}\n", "workload", "unit", "off", "empty", "probe",
             "probe %", "probe spread", "empty ns/pkt", "probe ns/pkt");
  for (const auto& w : workloads) {
    const std::string n = w.name;
    auto off = bench::spread(results[n + "/off"]);
    auto empty = bench::spread(results[n + "/empty"]);
    auto on = bench::spread(results[n + "/probe"]);
    if (off.median <= 0) continue;
    fmt::print("{:<9} {:<8} {:>9.2f} {:>9.2f} {:>9.2f} {:>+9.2f} {:>6.2f}-{:<7.2f} {:>13.1f} {:>13.1f}\n", n, w.unit,
               off.median, empty.median, on.median, 100 * (on.median - off.median) / off.median, on.min, on.max,
               prog_cost[n + "/empty"].ns_per_run(), prog_cost[n + "/probe"].ns_per_run());
  }
  fmt::print("\nTarget: throughput change within -2 %. Medians over rounds; spread is min-max of the runs.\n"
             "ns/pkt: the kernel's run-time statistics of the two cgroup_skb programs per run (one run per packet,\n"
             "or per GSO/GRO super-packet); empty = the hook and the statistics' own clock reads{}.\n",
             stats_on.valid() ? "" : " (BPF_ENABLE_STATS unavailable: 0)");
  return 0;
}
