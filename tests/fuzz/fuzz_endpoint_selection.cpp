// Modes and their values (counts and percents, "10%"), as a fault's `mode`
// and `value` reach the engine: parse_fault_spec accepts them, then
// select_endpoints picks from n endpoints.
// Input: byte 0 the mode, bytes 1-2 n (0-1023), the rest the value (JSON
// when it parses, else a string).
#include <algorithm>
#include <random>

#include "chaos/endpoint_selection.h"
#include "fuzz_check.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const char* const kModes[] = {"all", "one", "fixed", "fixed-percent"};
  const char* mode = kModes[data[0] % 4];
  size_t n = ((static_cast<size_t>(data[1]) << 8) | data[2]) % 1024;
  auto rest = fuzz::as_text(data + 3, size - 3);
  auto value = nlohmann::json::parse(rest, nullptr, false);
  if (value.is_discarded()) value = std::string(rest);
  nlohmann::json doc = {{"target", {{"netns", "fuzz"}}}, {"mode", mode}, {"value", value}};
  if (data[0] % 4 < 2 && (data[0] & 0x80)) doc.erase("value");
  auto spec = chaos::parse_fault_spec(doc);
  if (!spec) return 0;
  size_t k = chaos::selection_count(spec->mode, spec->mode_value, n);
  fuzz::check(k <= n, "never more than n");
  fuzz::check(n == 0 || k >= 1, "at least one of n > 0");
  std::mt19937_64 rng(n);
  auto picked = chaos::select_endpoints(spec->mode, spec->mode_value, n, rng);
  fuzz::check(picked.size() == k, "select_endpoints picks selection_count endpoints");
  fuzz::check(std::is_sorted(picked.begin(), picked.end()) &&
                  std::adjacent_find(picked.begin(), picked.end()) == picked.end(),
              "sorted, no endpoint twice");
  fuzz::check(picked.empty() || picked.back() < n, "indexes below n");
  return 0;
}
