#pragma once

#include <cstddef>
#include <random>
#include <vector>

#include "chaos/fault_spec.h"

namespace seismo::chaos {

// How many of n resolved endpoints a mode picks: all; one; fixed N (at most
// n); fixed-percent P (floor(n*P/100), at least 1).
size_t selection_count(SelectMode mode, double value, size_t n);

// Indexes of the endpoints to use, chosen at random without repetition.
std::vector<size_t> select_endpoints(SelectMode mode, double value, size_t n, std::mt19937_64& rng);

}  // namespace seismo::chaos
