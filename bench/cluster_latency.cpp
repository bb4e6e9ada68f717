// Cluster mode latency and API load (issue 14, docs/cluster.md "Load on a
// large cluster"): three seismods with --cluster-faults against one fake API
// server, two selected pods per node, N NetworkFaults one after another
// (loss 100%, mode all). For each: created -> every node's status entry
// Injected; created -> every pod dropping (the first of three datagrams in a
// row lost, by its send time); deleted -> every pod passing (the first
// datagram through); and the API requests each node made for it. Prints
// p50/p99 and the request breakdown; asserts nothing.
//
//   cluster_latency [FAULTS=50] [PODS_PER_NODE=2]
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cluster_fixture.h"

namespace {

using namespace std::chrono_literals;
using namespace seismo::testing;
using nlohmann::json;
using Clock = PodProbe::Clock;

// SIGINT/SIGTERM end the run after the current fault, so the lab's
// destructor stops the seismods and removes the pods (nothing left behind).
std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

double nearest_rank(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(v.size()))));
  return v[std::min(rank, v.size()) - 1];
}

std::string row(const char* what, const std::vector<double>& ms) {
  return fmt::format("{:<34} {:>6} {:>9.1f} {:>9.1f} {:>9.1f}", what, ms.size(), nearest_rank(ms, 50),
                     nearest_rank(ms, 99), ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
}

// "GET /apis/...?watch=1&..." -> a kind for the breakdown.
std::string kind_of(const std::string& line) {
  const auto sp = line.find(' ');
  const std::string method = line.substr(0, sp);
  const std::string rest = line.substr(sp + 1);
  const std::string path = rest.substr(0, rest.find('?'));
  const bool faults = path.find("/networkfaults") != std::string::npos;
  const std::string what = faults ? "networkfaults" : path.find("/nodes") != std::string::npos ? "nodes" : "pods";
  if (method == "PATCH") return what + (path.ends_with("/status") ? " status patch" : " patch");
  if (method != "GET") return what + " " + method;
  if (rest.find("watch=1") != std::string::npos || rest.find("watch=true") != std::string::npos)
    return what + " watch";
  // A list ends at the collection (".../pods", ".../networkfaults"); a get names an object.
  return what + (path.ends_with("/pods") || path.ends_with("/networkfaults") || path.ends_with("/nodes") ? " list"
                                                                                                        : " get");
}

struct Sample {
  std::optional<double> status_ms, drop_ms, restore_ms;
  std::vector<std::size_t> requests;  // per node
  // The object while injected, as JSON bytes: whole, status.nodes, managedFields.
  std::size_t object_bytes = 0, nodes_bytes = 0, managed_bytes = 0;
};

// What the per-node status costs the object (docs/cluster.md: the size
// limit of an object in etcd and what every watcher receives per write).
void measure_object(const ClusterLab& lab, const std::string& name, Sample& s) {
  auto f = lab.get_fault("shop", name);
  if (!f) return;
  s.object_bytes = f->dump().size();
  if (f->contains("status") && (*f)["status"].contains("nodes")) s.nodes_bytes = (*f)["status"]["nodes"].dump().size();
  if ((*f)["metadata"].contains("managedFields")) s.managed_bytes = (*f)["metadata"]["managedFields"].dump().size();
}

// Polls the object until every node's entry is Injected; ms from t0.
std::optional<double> time_to_injected(const ClusterLab& lab, const std::string& name, Clock::time_point t0,
                                       const std::atomic<bool>& stop) {
  while (!stop && Clock::now() - t0 < 60s) {
    if (auto f = lab.get_fault("shop", name); f) {
      std::size_t injected = 0;
      for (std::size_t n = 0; n < lab.node_count(); ++n) {
        const json e = ClusterLab::node_entry(*f, lab.node_name(n));  // null until the node wrote one
        injected += e.is_object() && e.value("phase", "") == "Injected" ? 1 : 0;
      }
      if (injected == lab.node_count()) return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

std::optional<double> worst(const std::vector<std::optional<double>>& v) {
  double w = 0;
  for (const auto& x : v) {
    if (!x) return std::nullopt;
    w = std::max(w, *x);
  }
  return w * 1e3;
}

Sample one_fault(ClusterLab& lab, const std::vector<ClusterPod*>& pods, int i) {
  Sample s;
  std::vector<std::size_t> before;
  for (std::size_t n = 0; n < lab.node_count(); ++n) before.push_back(lab.api_requests_of(n));
  const std::string name = fmt::format("lat-{}", i);
  const json selector = {{"namespaces", {"shop"}}, {"labelSelectors", {{"app", "web"}}}};
  const auto t0 = Clock::now();
  if (auto c = lab.create_fault(ClusterLab::loss_fault("shop", name, selector, "all", "", "10m")); !c) {
    fmt::print(stderr, "create {}: {}\n", name, c.error().message());
    return s;
  }
  std::atomic<bool> stop{false};
  std::thread status([&] { s.status_ms = time_to_injected(lab, name, t0, stop); });
  s.drop_ms = worst(wait_for_traffic(lab.probes(pods), false, t0, 60s));
  if (!s.drop_ms) stop = true;
  status.join();
  measure_object(lab, name, s);

  const auto t1 = Clock::now();
  if (auto d = lab.delete_fault("shop", name); !d) fmt::print(stderr, "delete {}: {}\n", name, d.error().message());
  s.restore_ms = worst(wait_for_traffic(lab.probes(pods), true, t1, 60s));
  // Quiet before the next one: every node has let go of it.
  (void)wait_until(
      [&] {
        for (std::size_t n = 0; n < lab.node_count(); ++n)
          if (!lab.engine_faults(n).empty()) return false;
        return true;
      },
      30s);
  std::this_thread::sleep_for(200ms);  // status writes that trail the removal land in this fault's count
  for (std::size_t n = 0; n < lab.node_count(); ++n) s.requests.push_back(lab.api_requests_of(n) - before[n]);
  return s;
}

std::unique_ptr<ClusterLab> start_lab(int pods_per_node) {
  auto lab = ClusterLab::create({3, {"--cluster-faults"}});
  if (!lab) {
    fmt::print(stderr, "cluster_latency: {}\n", lab.error().message());
    return nullptr;
  }
  for (std::size_t n = 0; n < (*lab)->node_count(); ++n)
    for (int k = 0; k < pods_per_node; ++k)
      if (auto p = (*lab)->add_pod(n, fmt::format("web-{}{}", static_cast<char>('a' + n), k), {{"app", "web"}}); !p) {
        fmt::print(stderr, "cluster_latency: {}\n", p.error().message());
        return nullptr;
      }
  for (std::size_t n = 0; n < (*lab)->node_count(); ++n)
    if (auto r = (*lab)->start_node(n); !r) {
      fmt::print(stderr, "cluster_latency: {}\n", r.error().message());
      return nullptr;
    }
  return std::move(*lab);
}

void report(ClusterLab& lab, const std::vector<Sample>& samples, std::size_t log_from,
            const std::vector<std::size_t>& startup) {
  std::vector<double> status_ms, drop_ms, restore_ms, per_node;
  int failed = 0;
  for (const auto& s : samples) {
    if (!s.status_ms || !s.drop_ms || !s.restore_ms) ++failed;
    if (s.status_ms) status_ms.push_back(*s.status_ms);
    if (s.drop_ms) drop_ms.push_back(*s.drop_ms);
    if (s.restore_ms) restore_ms.push_back(*s.restore_ms);
    for (auto r : s.requests) per_node.push_back(static_cast<double>(r));
  }
  fmt::print("{:<34} {:>6} {:>9} {:>9} {:>9}\n", "(ms unless said)", "n", "p50", "p99", "max");
  fmt::print("{}\n{}\n{}\n", row("created -> all nodes Injected", status_ms), row("created -> all pods dropping", drop_ms),
             row("deleted -> all pods passing", restore_ms));
  fmt::print("{}\n", row("API requests per fault per node", per_node));
  fmt::print("faults that did not complete: {}\n", failed);
  if (!samples.empty()) {
    const auto& last = samples.back();
    fmt::print("object while injected: {} B, status.nodes {} B, managedFields {} B ({} nodes)\n", last.object_bytes,
               last.nodes_bytes, last.managed_bytes, lab.node_count());
  }
  fmt::print("start-up requests per node (list+watch before any fault):");
  for (auto r : startup) fmt::print(" {}", r);
  // Breakdown over the faults, without the benchmark's own requests (its
  // POST, DELETE and GETs of the object by name).
  std::map<std::string, std::size_t> kinds;
  const auto lines = lab.api().faults().requests();
  for (std::size_t k = log_from; k < lines.size(); ++k) {
    const std::string kind = kind_of(lines[k]);
    if (kind == "networkfaults POST" || kind == "networkfaults DELETE" || kind == "networkfaults get") continue;
    ++kinds[kind];
  }
  fmt::print("\nrequests of all nodes by kind, per fault (over {} faults):\n", samples.size());
  for (const auto& [kind, count] : kinds)
    fmt::print("  {:<28} {:>7.2f}\n", kind, static_cast<double>(count) / static_cast<double>(samples.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "cluster_latency: needs root (seismod, netns, cgroups)\n");
    return 77;
  }
  const int faults = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  const int pods_per_node = argc > 2 ? std::clamp(std::atoi(argv[2]), 1, 50) : 2;
  auto lab = start_lab(pods_per_node);
  if (!lab) return 1;
  std::vector<ClusterPod*> pods;
  for (const auto& p : lab->pods()) pods.push_back(p.get());
  std::vector<std::size_t> startup;
  for (std::size_t n = 0; n < lab->node_count(); ++n) startup.push_back(lab->api_requests_of(n));
  const std::size_t log_from = lab->api().faults().requests().size();
  fmt::print("cluster_latency: 3 nodes, {} pods each, {} faults (loss 100%, mode all), one after another\n",
             pods_per_node, faults);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::vector<Sample> samples;
  for (int i = 0; i < faults && !g_interrupted; ++i) {
    samples.push_back(one_fault(*lab, pods, i));
    if ((i + 1) % 10 == 0) fmt::print(stderr, "  {} faults done\n", i + 1);
  }
  report(*lab, samples, log_from, startup);
  if (auto stopped = lab->stop_all(); !stopped) fmt::print(stderr, "{}\n", stopped.error().message());
  const std::string left = lab->leftovers();
  if (!left.empty()) fmt::print("LEFT BEHIND:\n{}", left);
  return 0;
}
