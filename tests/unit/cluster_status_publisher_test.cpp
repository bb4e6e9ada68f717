// cluster/status_publisher: phase changes go at once, counters alone wait
// for their interval, a deleted object is forgotten.
#include "cluster/status_publisher.h"

#include <gtest/gtest.h>

#include <thread>

#include "fake_kube_fixture.h"

namespace seismo::cluster {
namespace {

class StatusPublisherTest : public fakes::FakeKubeFixture {
 protected:
  const std::string kPath = "/apis/seismo.dev/v1alpha1/namespaces/shop/networkfaults/web-loss";

  void make(std::chrono::milliseconds counter_interval) {
    pods::KubeConfig cfg;
    cfg.server = api_->url();
    auto writer = std::make_unique<StatusWriter>(*pods::KubeClient::create(cfg), "node-a", stop_);
    publisher_ = std::make_unique<StatusPublisher>(std::move(writer), StatusPublisherOptions{counter_interval,
                                                                                           std::chrono::milliseconds(100)});
    publisher_->start();
  }
  void TearDown() override {
    stop_ = true;
    if (publisher_) publisher_->stop();
  }
  static NodeStatusEntry entry(NodePhase phase, uint64_t dropped) {
    NodeStatusEntry e;
    e.namespace_name = "shop";
    e.name = "web-loss";
    e.phase = phase;
    e.pods = {"shop/web-1"};
    e.dropped = dropped;
    e.observed_generation = 1;
    return e;
  }
  json entry_now() {
    auto object = get(kPath);
    if (!object.contains("status")) return nullptr;
    for (const auto& n : object["status"]["nodes"]) {
      if (n["node"] == "node-a") return n;
    }
    return nullptr;
  }
  template <class F>
  bool wait_until(F cond) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cond() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return cond();
  }

  std::atomic<bool> stop_{false};
  std::unique_ptr<StatusPublisher> publisher_;
};

TEST_F(StatusPublisherTest, PhaseChangesGoAtOnceCountersWaitForTheirInterval) {
  // Model: the counter interval (1 h) is far longer than the test, so a
  // counters-only entry is never written here; phase changes are written
  // within the (generous, loaded-machine) 10 s waits.
  create_fault("web-loss", "shop");
  make(std::chrono::hours(1));
  publisher_->offer("f1", entry(NodePhase::injected, 1));
  ASSERT_TRUE(wait_until([&] { return !entry_now().is_null(); }));
  publisher_->offer("f1", entry(NodePhase::injected, 50));
  publisher_->offer("f1", entry(NodePhase::injected, 60));
  // The publisher wakes on an offer; give it several wake-ups to (wrongly) write.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(entry_now()["counters"]["dropped"], 1);
  publisher_->offer("f1", entry(NodePhase::expired, 70));
  ASSERT_TRUE(wait_until([&] { return entry_now()["phase"] == "Expired"; }));
  EXPECT_EQ(entry_now()["counters"]["dropped"], 70);
}

TEST_F(StatusPublisherTest, CountersAreWrittenOnceTheirIntervalHasPassed) {
  create_fault("web-loss", "shop");
  make(std::chrono::milliseconds(200));
  publisher_->offer("f1", entry(NodePhase::injected, 1));
  ASSERT_TRUE(wait_until([&] { return !entry_now().is_null(); }));
  publisher_->offer("f1", entry(NodePhase::injected, 42));
  EXPECT_TRUE(wait_until([&] { return entry_now()["counters"]["dropped"] == 42; }));
}

TEST_F(StatusPublisherTest, ADeletedObjectIsNotWrittenAgain) {
  make(std::chrono::milliseconds(200));
  publisher_->offer("gone", entry(NodePhase::injected, 1));  // no such object: 404
  ASSERT_TRUE(wait_until([&] { return publisher_->counters().gone == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(publisher_->counters().gone, 1u);
  EXPECT_EQ(publisher_->counters().errors, 0u);
}

}  // namespace
}  // namespace seismo::cluster
