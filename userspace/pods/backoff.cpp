#include "pods/backoff.h"

#include <algorithm>

namespace seismo::pods {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, Jitter jitter)
    : initial_(std::max(initial, std::chrono::milliseconds(1))), max_(std::max(max, initial_)), jitter_(std::move(jitter)) {}

std::chrono::milliseconds Backoff::next() {
  constexpr unsigned kMaxShift = 30;
  auto base = initial_.count() << std::min(attempt_, kMaxShift);
  base = std::min<decltype(base)>(base, max_.count());
  if (attempt_ < kMaxShift) ++attempt_;
  double j = std::clamp(jitter_ ? jitter_() : 1.0, 0.0, 1.0);
  auto ms = static_cast<long long>(static_cast<double>(base) * (0.5 + 0.5 * j));
  return std::chrono::milliseconds(std::max<long long>(ms, 1));
}

}  // namespace seismo::pods
