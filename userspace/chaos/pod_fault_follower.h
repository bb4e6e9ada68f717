#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "chaos/fault_engine.h"
#include "chaos/pod_target_resolver.h"
#include "pods/pod_store.h"

namespace seismo::chaos {

// Keeps pod faults in step with this node's pods while they run: a pod that
// is deleted is dropped from every fault (its tc programs detached, its
// netns released); a fault in mode `all` is extended to matching pods that
// start during it (once a container process and eth0 exist, so pending pods
// are retried every `retry`); a one/fixed fault whose pods are all gone
// ends. Woken by PodStore changes (the watcher's events); does nothing
// until `ready` (a first list), so faults adopted at restart are not
// dropped against an empty store.
class PodFaultFollower {
 public:
  PodFaultFollower(FaultEngine& engine, const pods::PodStore& store, PodTargetResolver& resolver,
                   std::function<bool()> ready, std::chrono::milliseconds retry = std::chrono::seconds(2));
  ~PodFaultFollower();
  PodFaultFollower(const PodFaultFollower&) = delete;
  PodFaultFollower& operator=(const PodFaultFollower&) = delete;

  void start();
  void stop();
  // The store changed: reconcile soon.
  void notify();
  // One pass (the loop calls it; tests too).
  void reconcile();

 private:
  void loop();

  FaultEngine& engine_;
  const pods::PodStore& store_;
  PodTargetResolver& resolver_;
  std::function<bool()> ready_;
  std::chrono::milliseconds retry_;
  // (fault, pod uid) whose resolution failure was already logged.
  std::set<std::pair<std::string, std::string>> reported_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = true;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace seismo::chaos
