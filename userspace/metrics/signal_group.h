#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "metrics/signal.h"

namespace seismo::metrics {

// Several signals read from one probe (the net probe's packets and its
// DNS figures), exported as one: families, summaries and losses of each in
// order.
class SignalGroup : public Signal {
 public:
  explicit SignalGroup(std::vector<std::shared_ptr<Signal>> members) : members_(std::move(members)) {}

  void collect(ScrapeContext& ctx, std::vector<prometheus::MetricFamily>& out) override {
    for (auto& m : members_) m->collect(ctx, out);
  }
  void summarize(ScrapeContext& ctx, std::map<uint64_t, CgroupSummary>& out) override {
    for (auto& m : members_) m->summarize(ctx, out);
  }
  std::vector<probes::LossCount> losses() override {
    std::vector<probes::LossCount> all;
    for (auto& m : members_) {
      auto l = m->losses();
      all.insert(all.end(), l.begin(), l.end());
    }
    return all;
  }

 private:
  std::vector<std::shared_ptr<Signal>> members_;
};

}  // namespace seismo::metrics
