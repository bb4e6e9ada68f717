#include "pods/rendezvous.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <tuple>

namespace seismo::pods {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr unsigned kPercentMax = 100;

void fnv1a64_feed(uint64_t& h, std::string_view bytes) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
}

// splitmix64's output function for state x (Steele, Lea, Flood 2014): the
// increment, then two xor-shift-multiply rounds.
uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The integer `value` holds, or nullopt (the caller checked it already with
// check_pick_value; a bad one selects nothing rather than guessing).
std::optional<unsigned long long> parse_count(std::string_view value) {
  unsigned long long n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (ec != std::errc() || ptr != end || value.empty()) return std::nullopt;
  return n;
}

}  // namespace

uint64_t rendezvous_weight(std::string_view key, std::string_view pod_uid) {
  uint64_t h = kFnvOffset;
  fnv1a64_feed(h, key);
  fnv1a64_feed(h, std::string_view("\0", 1));
  fnv1a64_feed(h, pod_uid);
  return splitmix64(h);
}

std::vector<Pod> rendezvous_order(std::string_view key, std::vector<Pod> candidates) {
  std::vector<std::pair<uint64_t, std::size_t>> ranked;
  ranked.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) ranked.emplace_back(rendezvous_weight(key, candidates[i].uid), i);
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    const Pod& x = candidates[a.second];
    const Pod& y = candidates[b.second];
    // The same UID twice never happens in one list; namespace/name keep
    // the order total anyway, so no input order can show through.
    return std::tie(x.uid, x.namespace_name, x.name) < std::tie(y.uid, y.namespace_name, y.name);
  });
  std::vector<Pod> out;
  out.reserve(candidates.size());
  for (const auto& [weight, index] : ranked) out.push_back(std::move(candidates[index]));
  return out;
}

std::size_t pick_count(PickMode mode, std::string_view value, std::size_t n, std::string_view key) {
  if (n == 0) return 0;
  switch (mode) {
    case PickMode::one: return 1;
    case PickMode::all: return n;
    case PickMode::fixed: {
      auto count = parse_count(value);
      if (!count || *count == 0) return 0;
      return static_cast<std::size_t>(std::min<unsigned long long>(*count, n));
    }
    case PickMode::fixed_percent:
    case PickMode::random_max_percent: {
      auto percent = parse_count(value);
      if (!percent || *percent == 0 || *percent > kPercentMax) return 0;
      // n ≤ SIZE_MAX / 100 for any list we can hold, so n·P does not overflow.
      std::size_t most = std::max<std::size_t>(1, n * *percent / kPercentMax);
      if (mode == PickMode::fixed_percent) return most;
      // The count every node draws alike: uniform in [1, most] from the key.
      uint64_t h = kFnvOffset;
      fnv1a64_feed(h, key);
      fnv1a64_feed(h, std::string_view("\0random-max-percent", 19));
      return 1 + static_cast<std::size_t>(splitmix64(h) % most);
    }
  }
  return 0;
}

std::vector<Pod> pick(PickMode mode, std::string_view value, std::string_view key, std::vector<Pod> candidates) {
  std::size_t count = pick_count(mode, value, candidates.size(), key);
  auto ordered = rendezvous_order(key, std::move(candidates));
  ordered.resize(std::min(count, ordered.size()));
  return ordered;
}

}  // namespace seismo::pods
