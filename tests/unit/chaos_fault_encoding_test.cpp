#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "chaos/fault_encoding.h"

using namespace seismo::chaos;

TEST(GilbertParams, ZeroCorrelationIsBernoulli) {
  auto g = gilbert_params(10, 0);
  EXPECT_DOUBLE_EQ(g.enter, 0.1);
  EXPECT_DOUBLE_EQ(g.leave, 0.9);
  EXPECT_DOUBLE_EQ(g.loss_rate(), 0.1);
}

TEST(GilbertParams, CorrelationKeepsTheRateAndLengthensBursts) {
  for (double p : {1.0, 10.0, 50.0, 90.0})
    for (double c : {0.0, 25.0, 50.0, 90.0}) {
      auto g = gilbert_params(p, c);
      EXPECT_NEAR(g.loss_rate(), p / 100, 1e-12) << p << " " << c;
      EXPECT_NEAR(g.mean_burst(), 1.0 / ((1 - c / 100) * (1 - p / 100)), 1e-9);
    }
  EXPECT_DOUBLE_EQ(gilbert_params(20, 50).mean_burst(), 2.5);
}

TEST(GilbertParams, EdgesNeverAndAlways) {
  EXPECT_EQ(to_kernel_probability(gilbert_params(0, 30).enter), 0u);
  EXPECT_EQ(to_kernel_probability(gilbert_params(100, 0).enter), SEISMO_PROB_ONE);
  EXPECT_EQ(to_kernel_probability(gilbert_params(100, 0).leave), 0u);
  EXPECT_EQ(to_kernel_probability(0.5), SEISMO_PROB_ONE / 2);
}

TEST(EncodeFaultCfg, LossDelayAndFilters) {
  FaultSpec s;
  s.action = Action::delay;
  s.delay = {100'000'000, 10'000'000, 50, true, {}};
  s.filter.protocol = 17;
  s.filter.cidrs.push_back(*Cidr::parse("10.1.0.0/16", "c"));
  s.filter.ports.push_back({53, 53});
  auto cfg = encode_fault_cfg(s, 1234, 7);
  EXPECT_EQ(cfg.expires_ns, 1234u);
  EXPECT_EQ(cfg.generation, 7u);
  EXPECT_EQ(cfg.action, static_cast<uint32_t>(SEISMO_FAULT_DELAY));
  EXPECT_EQ(cfg.flags & SEISMO_FAULT_F_REORDER, SEISMO_FAULT_F_REORDER);
  EXPECT_EQ(cfg.latency_ns, 100'000'000u);
  EXPECT_EQ(cfg.jitter_corr, SEISMO_CORR_ONE / 2);
  EXPECT_EQ(cfg.protocol, 17);
  EXPECT_EQ(cfg.has_peers, 1) << "the prefixes themselves go to the fault_peers trie (chaos_fault_peers_test)";
  ASSERT_EQ(cfg.nports, 1);
  EXPECT_EQ(cfg.ports[0].lo, 53);
  s.action = Action::loss;
  s.loss = {25, 0};
  auto loss = encode_fault_cfg(s, 1, 1);
  EXPECT_EQ(loss.action, static_cast<uint32_t>(SEISMO_FAULT_LOSS));
  EXPECT_EQ(loss.loss_enter, SEISMO_PROB_ONE / 4);
  EXPECT_EQ(loss.loss_leave, SEISMO_PROB_ONE * 3 / 4);
}
