#include <malloc.h>
#include <signal.h>

#include <cstdio>

#include "common/log.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates an arena of its own and keeps what
  // a scrape freed there; with 16 HTTP workers taking turns, every one holds
  // a scrape's worth (bench/soak: RSS 120 MiB, above the DaemonSet's 128 Mi
  // limit at its peak, against 33 MiB with two arenas). Set before any thread.
  mallopt(M_ARENA_MAX, 2);
  using namespace seismo;
  auto parsed = daemon::parse_args(argc, argv);
  if (parsed.exit_code) return *parsed.exit_code;
  log::set_level(parsed.config.log_level);

  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only the signalfd in Daemon::run() sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // No configuration to reload, and the default action would end seismod
  // without removing its faults (a closing terminal sends it, too).
  signal(SIGHUP, SIG_IGN);

  try {
    auto d = daemon::Daemon::create(parsed.config);
    if (!d) {
      std::fprintf(stderr, "seismod: %s\n", d.error().message().c_str());
      return 1;
    }
    if (auto r = (*d)->run(); !r) {
      std::fprintf(stderr, "seismod: %s\n", r.error().message().c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seismod: fatal: %s\n", e.what());
    return 1;
  }
  return 0;
}
