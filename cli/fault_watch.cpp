// fault add --watch: polls fault.ls (a read; the fault's counters are the
// kernel's, so a second's polling loses nothing) and prints a line per tick.
#include "fault_watch.h"

#include <csignal>

#include <chrono>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "fault_report.h"
#include "output.h"

namespace seismo::cli {
namespace {

using nlohmann::json;

// Ctrl-C while watching: the shutdown flag of --watch (top.cpp has its own).
volatile std::sig_atomic_t g_watch_interrupted = 0;
extern "C" void on_watch_interrupt(int) { g_watch_interrupted = 1; }

// Ctrl-C ends the watch, not the process, while this lives.
class InterruptCatcher {
 public:
  InterruptCatcher() {
    g_watch_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_watch_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_);
  }
  ~InterruptCatcher() { sigaction(SIGINT, &old_, nullptr); }
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;

 private:
  struct sigaction old_ {};
};

const json* find_fault(const json& listing, const std::string& name) {
  const json& faults = json_field(listing, "faults");
  if (!faults.is_array()) return nullptr;
  for (const auto& f : faults)
    if (f.is_object() && json_field(f, "name") == name) return &f;
  return nullptr;
}

void print_event(const Context& ctx, const json& event, const std::string& text) {
  if (ctx.format() == OutputFormat::table) std::cout << text << "\n" << std::flush;
  else std::cout << event.dump() << "\n" << std::flush;
}

}  // namespace

void watch_fault(const Context& ctx, const std::string& name) {
  InterruptCatcher catcher;
  double last_expires_in = 0;
  constexpr auto kTick = std::chrono::milliseconds(1000);
  while (!g_watch_interrupted) {
    auto r = ctx.call("fault.ls");
    if (g_watch_interrupted) break;
    if (!r) throw CommandFailed{fmt::format("--watch: cannot read faults from seismod: {}", r.error().message())};
    const json* f = find_fault(*r, name);
    if (!f) {
      // Gone: its duration ran out (within a tick of the last expiry seen) or someone removed it.
      const bool expired = last_expires_in <= 2.0;
      print_event(ctx, {{"name", name}, {"end", expired ? "expired" : "removed"}},
           fmt::format("{}: {}", name, expired ? "ended (its duration ran out)" : "removed"));
      return;
    }
    if (json_field(*f, "expires_in_seconds").is_number()) last_expires_in = (*f)["expires_in_seconds"].get<double>();
    print_event(ctx, *f, watch_line(*f));
    if (const json& a = json_field(json_field(*f, "guard"), "aborted"); a.is_object()) {
      print_event(ctx, {{"name", name}, {"end", "aborted"}, {"reason", a.value("reason", "")}},
           fmt::format("{}: aborted: {}; it stays installed, passing every packet, until it ends in {:.0f}s "
                       "(seismo fault rm {} removes it now)",
                       name, a.value("reason", ""), last_expires_in, name));
      return;
    }
    const auto until = std::chrono::steady_clock::now() + kTick;
    while (!g_watch_interrupted && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  print_event(ctx, {{"name", name}, {"end", "interrupted"}},
       fmt::format("{}: stopped watching; the fault keeps running for {:.0f}s (seismo fault rm {} stops it)", name,
                   last_expires_in, name));
}

}  // namespace seismo::cli
