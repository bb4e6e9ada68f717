#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "chaos/fault_encoding.h"
#include "chaos/guard_owners.h"

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

TEST(EncodeFaultGuard, BudgetsByKernelIndexAndTheGuardFlag) {
  FaultSpec s;
  s.action = Action::loss;
  EXPECT_EQ(encode_fault_cfg(s, 1, 1).flags & SEISMO_FAULT_F_GUARD, 0u) << "no guard: no flag";
  s.guard.limits = {{GuardBudget::tcp_resets, 50}, {GuardBudget::dropped, 7}};
  s.guard.window_ns = 10'000'000'000;
  EXPECT_EQ(encode_fault_cfg(s, 1, 9).flags & SEISMO_FAULT_F_GUARD, SEISMO_FAULT_F_GUARD);
  const fault_guard g = encode_fault_guard(s.guard, 9, 555);
  EXPECT_EQ(g.generation, 9u);
  EXPECT_EQ(g.window_ns, 10'000'000'000u);
  EXPECT_EQ(g.window_start_ns, 555u);
  EXPECT_EQ(g.budget[SEISMO_GUARD_TCP_RESETS], 50u);
  EXPECT_EQ(g.budget[SEISMO_GUARD_DROPPED], 7u);
  EXPECT_EQ(g.budget[SEISMO_GUARD_TCP_RETRANSMITS], 0u) << "0: no budget of that kind";
  for (uint64_t c : g.count) EXPECT_EQ(c, 0u);
  EXPECT_EQ(g.aborted_ns, 0u);
}

TEST(GuardOwners, EndpointNetnsOrTheSocketCgroup) {
  FaultPlan plan;
  std::vector<EndpointFacts> eps(2);
  eps[0].netns_inode = 40;
  eps[1].netns_inode = 30;
  // Endpoint 1 twice (its own device and its veth peer on the host): one owner, its own netns.
  plan.devices = {{{30, 0, 2}, "eth0", 1, false, false}, {{1, 0, 9}, "veth1", 1, true, false},
                  {{40, 0, 2}, "eth0", 0, false, false}};
  auto owners = guard_owners_of(plan, eps);
  ASSERT_EQ(owners.size(), 2u);
  EXPECT_EQ(owners[0].kind, static_cast<uint32_t>(SEISMO_GUARD_OWNER_NETNS));
  EXPECT_EQ(owners[0].id, 30u);
  EXPECT_EQ(owners[1].id, 40u);
  plan.cgroup = CgroupTarget{"/sys/fs/cgroup/unified/x", "/x", 777, 1};
  owners = guard_owners_of(plan, eps);
  ASSERT_EQ(owners.size(), 1u);
  EXPECT_EQ(owners[0].kind, static_cast<uint32_t>(SEISMO_GUARD_OWNER_CGROUP));
  EXPECT_EQ(owners[0].id, 777u);
}
