#pragma once

// bench/fault_fidelity's shared state and the rows of the kinds beyond loss
// and delay (fidelity_kinds.cpp): what a fault asks for vs what traffic
// sees, beside netem / tbf / act_police on the same kernel where it has them.

#include <cstddef>

#include <nlohmann/json.hpp>

#include "chaos/fault_engine.h"
#include "netns_fixture.h"

namespace seismo::bench {

struct Options {
  size_t datagrams = 50000;
  size_t probes = 300;
  bool loss = true, delay = true, copy = true, reorder = true, partition = true, bandwidth = true;
};

// What every row works on: the lab's two namespaces, the engine, netem.
struct Bench {
  chaos::FaultEngine& engine;
  const testing::TestNetns& a;
  const testing::TestNetns& b;
  const testing::VethPair& ab;
  bool netem = false;
  nlohmann::json target;
  Options opts;
};

// duplicate 10/50 %, corrupt 10 %: copies and rejected datagrams over the
// run's datagrams, the 99 % binomial interval, netem's with the same request.
bool copy_rows(Bench& t);
// netem's reorder (with a 20 ms delay): the share arriving ahead of an
// earlier datagram, the model p / (1 + (gap - 1) p), netem's.
bool reorder_rows(Bench& t);
// partition: the share of datagrams lost (all), and that none came back.
bool partition_row(Bench& t);
// bandwidth: bench/bandwidth_rows.h's table at 10 and 100 Mbit/s.
bool bandwidth_rows(Bench& t);

}  // namespace seismo::bench
