// Test helper: a stand-in for seismod that applies one fault through the
// fault engine, prints "ready <expires_in_seconds>" and waits to be killed
// (the expiry and reconciliation tests SIGKILL it).
//   chaos_fault_holder BPFFS STATE_FILE SPEC_JSON [GUARD_KEY=MAX]
// GUARD_KEY=MAX ("tcpRetransmits=20") adds one guard budget to the spec.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "chaos_support.h"

int main(int argc, char** argv) {
  using namespace seismo;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s BPFFS STATE_FILE SPEC_JSON [GUARD_KEY=MAX]\n", argv[0]);
    return 2;
  }
  auto engine = testing::start_fault_engine(argv[1], argv[2]);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().message().c_str());
    return 1;
  }
  auto spec = chaos::parse_fault_spec(nlohmann::json::parse(argv[3]));
  if (!spec) {
    std::fprintf(stderr, "%s\n", spec.error().message().c_str());
    return 1;
  }
  if (argc == 5) {
    const std::string g = argv[4];
    const auto eq = g.find('=');
    auto budget = chaos::guard_budget_from_key(g.substr(0, eq));
    if (eq == std::string::npos || !budget) {
      std::fprintf(stderr, "bad guard %s\n", argv[4]);
      return 2;
    }
    spec->guard.limits.push_back({*budget, std::stoull(g.substr(eq + 1))});
  }
  auto added = (*engine)->add(*spec);
  if (!added) {
    std::fprintf(stderr, "%s\n", added.error().message().c_str());
    return 1;
  }
  std::printf("ready %.3f\n", (*added)["expires_in_seconds"].get<double>());
  std::fflush(stdout);
  for (;;) ::pause();
}
