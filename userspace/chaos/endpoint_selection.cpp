#include "chaos/endpoint_selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace seismo::chaos {

size_t selection_count(SelectMode mode, double value, size_t n) {
  if (n == 0) return 0;
  switch (mode) {
    case SelectMode::all: return n;
    case SelectMode::one: return 1;
    case SelectMode::fixed: return std::min(n, static_cast<size_t>(value));
    case SelectMode::fixed_percent: {
      auto k = static_cast<size_t>(std::floor(static_cast<double>(n) * value / 100.0));
      return std::clamp<size_t>(k, 1, n);
    }
  }
  return n;
}

std::vector<size_t> select_endpoints(SelectMode mode, double value, size_t n, std::mt19937_64& rng) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  const size_t k = selection_count(mode, value, n);
  if (k == n) return idx;
  std::shuffle(idx.begin(), idx.end(), rng);
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace seismo::chaos
