#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seismo::probes {

// A named loss counter (seismo_events_lost_total{stage}).
struct LossCount {
  std::string stage;
  uint64_t count = 0;
};

}  // namespace seismo::probes
