#pragma once

// Pods coming and going at a steady rate, the way a busy node sees them: each
// pod is a kubelet-named cgroup with a long-running process (tests'
// FakePod), announced through the fake API server's watch (ADDED) once it
// runs, exec'ing short processes while it lives, and deleted after its
// lifetime (DELETED; its cgroups removed before or after the event,
// alternately, since kubelet and the API race in both orders).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "fake_kube_api.h"
#include "pods_support.h"

namespace seismo::bench {

class PodChurn {
 public:
  struct Options {
    double pods_per_second = 4;
    std::chrono::milliseconds lifetime{5000};
    int extra_execs_per_tick = 2;  // besides the new pod's first exec, in random live pods
    std::string namespace_name = "soak";
    std::string node_name;
  };
  struct Counters {
    uint64_t created = 0, deleted = 0, execs = 0;
    uint64_t create_failures = 0, exec_failures = 0;
    size_t alive = 0;
    double behind_seconds = 0;  // how far the schedule slipped at worst (a loaded machine)
  };

  PodChurn(const testing::KubepodsTree& tree, fakes::FakeKubeApi& api, Options options);
  ~PodChurn() { stop(); }
  PodChurn(const PodChurn&) = delete;
  PodChurn& operator=(const PodChurn&) = delete;

  void start();
  // Stops churning and deletes every pod it still has.
  void stop();
  [[nodiscard]] Counters counters() const;

 private:
  struct Live {
    std::unique_ptr<testing::FakePod> pod;
    std::chrono::steady_clock::time_point born;
  };
  void run();
  void tick();
  void add_pod();
  void delete_pod(Live live);
  void publish_list();
  [[nodiscard]] std::string event(const char* type, const testing::FakePod& pod) const;

  const testing::KubepodsTree& tree_;
  fakes::FakeKubeApi& api_;
  Options options_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::deque<Live> live_;  // oldest first; only the churn thread touches it
  uint64_t resource_version_ = 100;
  uint64_t next_index_ = 0;
  std::mt19937 rng_{12345};
  mutable std::mutex mu_;
  Counters counters_;
};

}  // namespace seismo::bench
