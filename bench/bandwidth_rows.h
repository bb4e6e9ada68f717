#pragma once

// The bandwidth rows of the fidelity benches (bench/bandwidth_fidelity and
// `bench/fault_fidelity --only bandwidth`): per rate, tbf beside a bandwidth
// fault as `auto` makes it, and act_police at the receiver's ingress beside
// a policing fault with the same burst, iperf3 TCP goodput and ping's added
// latency at full load; first the path with no fault (what it carries).

#include <string>
#include <vector>

#include "bandwidth_run.h"
#include "chaos/fault_engine.h"

namespace seismo::bench {

struct BandwidthTable {
  std::vector<std::string> rates = {"10mbit", "100mbit"};
  uint64_t buffer_ms = 0;  // 0: each column's default bucket
  int seconds = 5;
};

// Prints the table; false (with the reason on stderr) when a row cannot be
// measured or a qdisc/fault cannot be installed.
bool bandwidth_table(chaos::FaultEngine& engine, const testing::TestNetns& a, const testing::TestNetns& b,
                     const testing::VethPair& ab, const BandwidthTable& table);

}  // namespace seismo::bench
