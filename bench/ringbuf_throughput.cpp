// bench/ringbuf_throughput: events through seismod's ring buffer path at
// rising rates. A tp_btf program emits tcp_event-shaped records (64 B) into
// a ring buffer sized like the tcp probe's; seismod's own RingReader
// consumes them on its thread and decodes each with decode_tcp_event, as
// the tcp probe does (and, in the "+json" variant, also builds the JSON a
// `seismo trace tcp` client would get). Prints, per target rate: events/s
// produced and consumed, % lost (reserve failures in the kernel), and the
// consumer's CPU (cores) — the daemon's share.
//
// Usage: ringbuf_throughput [SECONDS_PER_STEP]
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fmt/format.h>

#include "bpf/ring_reader.h"
#include "daemon/trace_events.h"
#include "probes/tcp.h"
#include "ringbuf_throughput.skel.h"

using namespace seismo;

namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double cpu_s(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

uint64_t ctl(ringbuf_throughput_bpf* s, uint32_t key) {
  uint64_t v = 0;
  bpf_map_lookup_elem(bpf_map__fd(s->maps.bench_ctl), &key, &v);
  return v;
}

struct Step {
  double target;  // events/s; 0 = as fast as the producer can
  double produced = 0, consumed = 0, lost = 0, seconds = 0, consumer_cpu = 0;
};

constexpr uint32_t kBatch = 64;  // records per producer syscall

// The producer: getppid() calls in batches the program turns into records,
// paced by sleeping, not spinning: on a 2-CPU machine a spinning producer
// would steal the consumer's CPU and measure contention.
void produce(double target, double step_seconds, std::atomic<pid_t>& tid, const std::atomic<bool>& go) {
  tid = static_cast<pid_t>(::syscall(SYS_gettid));
  while (!go.load()) std::this_thread::yield();
  const double start = now_s();
  uint64_t i = 0;
  for (double elapsed = 0; elapsed < step_seconds; elapsed = now_s() - start) {
    const uint64_t due = target > 0 ? static_cast<uint64_t>(elapsed * target / kBatch) + 1 : i + 64;
    for (; i < due; ++i) ::syscall(SYS_getppid);
    if (target > 0) {
      timespec pause{0, 100'000};
      nanosleep(&pause, nullptr);
    }
  }
}

// One step: a producer thread paced to `target` events/s (0: as fast as it
// can) for `step_seconds`, the ring read by a RingReader that decodes (and,
// with_json, renders) each record.
std::optional<Step> run_step(double target, bool with_json, double step_seconds) {
  std::unique_ptr<ringbuf_throughput_bpf, void (*)(ringbuf_throughput_bpf*)> skel(
      ringbuf_throughput_bpf__open(), ringbuf_throughput_bpf__destroy);
  std::atomic<uint64_t> consumed{0};
  std::atomic<pid_t> producer_tid{0};
  std::atomic<bool> go{false};
  Step st{target};
  // The producer thread exists first: the program filters on its tid.
  std::thread producer(produce, target, step_seconds, std::ref(producer_tid), std::cref(go));
  while (producer_tid.load() == 0) std::this_thread::yield();
  if (!skel) {
    std::fprintf(stderr, "ringbuf_throughput: open failed: %s\n", std::strerror(errno));
    go = true;
    producer.join();
    return std::nullopt;
  }
  skel->rodata->cfg_tid = static_cast<uint32_t>(producer_tid.load());
  bpf_map__set_max_entries(skel->maps.bench_events, probes::TcpProbeConfig{}.ring_bytes);
  if (ringbuf_throughput_bpf__load(skel.get()) != 0 || ringbuf_throughput_bpf__attach(skel.get()) != 0) {
    std::fprintf(stderr, "ringbuf_throughput: load/attach failed: %s\n", std::strerror(errno));
    go = true;
    producer.join();
    return std::nullopt;
  }
  uint32_t k = 0;
  uint64_t batch = kBatch;
  bpf_map_update_elem(bpf_map__fd(skel->maps.bench_ctl), &k, &batch, BPF_ANY);

  std::atomic<clockid_t> consumer_clock{0};
  auto reader = bpf::RingReader::create(
      bpf_map__fd(skel->maps.bench_events),
      [&](const void* data, size_t size) {
        if (consumer_clock.load() == 0) {
          clockid_t c;
          if (pthread_getcpuclockid(pthread_self(), &c) == 0) consumer_clock = c;
        }
        auto ev = probes::decode_tcp_event(data, size);
        if (ev && with_json) {
          auto j = daemon::tcp_event_json(*ev, nullptr);
          if (j.size() == 0) std::abort();
        }
        consumed.fetch_add(1, std::memory_order_relaxed);
      },
      "bench");
  if (!reader) {
    std::fprintf(stderr, "%s\n", reader.error().message().c_str());
    go = true;
    producer.join();
    return std::nullopt;
  }
  const double t0 = now_s();
  go = true;
  producer.join();
  // Let the consumer drain what is left.
  const double produced_at_end = static_cast<double>(ctl(skel.get(), 1));
  for (int i = 0; i < 200 && static_cast<double>(consumed.load()) < produced_at_end; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  st.seconds = now_s() - t0;
  clockid_t cc = consumer_clock.load();
  st.consumer_cpu = cc ? cpu_s(cc) : 0;
  st.produced = static_cast<double>(ctl(skel.get(), 1));
  st.lost = static_cast<double>(ctl(skel.get(), 2));
  st.consumed = static_cast<double>(consumed.load());
  reader->reset();
  return st;
}

}  // namespace

int main(int argc, char** argv) {
  const double step_seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (geteuid() != 0) {
    std::fprintf(stderr, "ringbuf_throughput: run as root (loads BPF programs)\n");
    return 1;
  }
  libbpf_set_print(nullptr);
  const std::vector<double> targets = {100e3, 250e3, 500e3, 1e6, 2e6, 0};

  fmt::print("ringbuf_throughput: 64 B tcp_event records, ring {} KiB (the tcp probe's), {:.1f} s per step, "
             "{} records per trigger, {} CPUs\n\n",
             probes::TcpProbeConfig{}.ring_bytes / 1024, step_seconds, kBatch, std::thread::hardware_concurrency());
  fmt::print("{:<12} {:<8} {:>12} {:>12} {:>8} {:>14}\n", "target/s", "consumer", "produced/s", "consumed/s", "lost %",
             "consumer cores");

  for (bool with_json : {false, true}) {
    for (double target : targets) {
      auto st = run_step(target, with_json, step_seconds);
      if (!st) return 1;
      const double attempted = st->produced + st->lost;
      fmt::print("{:<12} {:<8} {:>12.0f} {:>12.0f} {:>8.3f} {:>14.2f}\n",
                 target > 0 ? fmt::format("{:.0f}k", target / 1e3) : "max", with_json ? "+json" : "decode",
                 attempted / step_seconds, st->consumed / step_seconds, attempted > 0 ? 100 * st->lost / attempted : 0,
                 st->consumer_cpu / st->seconds);
      std::fflush(stdout);
    }
  }
  fmt::print("\nproduced/s counts every reserve attempt; consumed/s what the reader decoded; consumer cores is the\n"
             "reader thread's CPU time over the step (the daemon's cost of this stream).\n");
  return 0;
}
