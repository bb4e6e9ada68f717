// Durations ("1m30s", "250us"): parse_duration_ns, and format_duration's
// shortest form parsing back to the same value within the documented range.
#include "chaos/duration.h"
#include "chaos/fault_spec.h"
#include "fuzz_check.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  auto ns = chaos::parse_duration_ns(text, "duration");
  if (!ns) {
    fuzz::check(ns.error().message().starts_with("duration: "), "the error names the field");
    return 0;
  }
  fuzz::check(*ns <= 1'000'000'000'000'000'000ULL, "at most 1e18 ns");
  if (*ns > chaos::kMaxDurationNs) return 0;  // rejected by the spec's own limit
  std::string shortest = chaos::format_duration(*ns);
  auto again = chaos::parse_duration_ns(shortest, "duration");
  fuzz::check(again && *again == *ns, "'" + std::string(text) + "' = " + std::to_string(*ns) + " ns formats as '" +
                                          shortest + "', which does not parse back");
  return 0;
}
