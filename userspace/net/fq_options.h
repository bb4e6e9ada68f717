#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace seismo::net {

// The fq settings EDT delay depends on. fq's defaults: limit 10000 packets,
// flow_limit 100, horizon 10 s with horizon_drop (tc-fq(8)).
struct FqOptions {
  uint32_t limit = 10000;       // TCA_FQ_PLIMIT: packets held in total
  uint32_t flow_limit = 100;    // TCA_FQ_FLOW_PLIMIT: packets held per flow
  uint32_t horizon_us = 10'000'000;  // TCA_FQ_HORIZON: stamps further out are dropped
  bool horizon_drop = true;     // TCA_FQ_HORIZON_DROP: drop (not cap) beyond the horizon

  // TCA_OPTIONS payload for RTM_NEWQDISC.
  [[nodiscard]] std::vector<uint8_t> encode() const;
  // Reads a dumped fq's TCA_OPTIONS; absent fields keep the defaults.
  static FqOptions decode(std::span<const uint8_t> options);
};

}  // namespace seismo::net
