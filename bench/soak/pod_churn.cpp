#include "pod_churn.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace seismo::bench {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

PodChurn::PodChurn(const testing::KubepodsTree& tree, fakes::FakeKubeApi& api, Options options)
    : tree_(tree), api_(api), options_(std::move(options)) {}

void PodChurn::start() { thread_ = std::thread([this] { run(); }); }

void PodChurn::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  while (!live_.empty()) {
    Live l = std::move(live_.front());
    live_.pop_front();
    delete_pod(std::move(l));
  }
}

PodChurn::Counters PodChurn::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

std::string PodChurn::event(const char* type, const testing::FakePod& pod) const {
  return json{{"type", type}, {"object", pod.to_json(options_.node_name, std::to_string(resource_version_))}}.dump();
}

void PodChurn::publish_list() {
  json items = json::array();
  for (const auto& l : live_) items.push_back(l.pod->to_json(options_.node_name, std::to_string(resource_version_)));
  api_.set_list(json{{"kind", "PodList"},
                     {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
                     {"items", std::move(items)}}
                    .dump());
}

void PodChurn::add_pod() {
  testing::FakePodOptions o;
  o.namespace_name = options_.namespace_name;
  o.name = fmt::format("job-{}", next_index_++);
  o.labels = {{"app", "soak"}};
  o.with_network = false;
  auto pod = testing::FakePod::create(tree_, nullptr, std::move(o));
  if (!pod) {
    std::lock_guard lock(mu_);
    ++counters_.create_failures;
    return;
  }
  // Announced once its first container runs, as kubelet reports it.
  live_.push_back({std::move(*pod), Clock::now()});
  ++resource_version_;
  publish_list();
  api_.push_event(event("ADDED", *live_.back().pod));
  const int rc = live_.back().pod->run({"/bin/true"});
  std::lock_guard lock(mu_);
  ++counters_.created;
  ++counters_.execs;
  if (rc != 0) ++counters_.exec_failures;
}

void PodChurn::delete_pod(Live live) {
  const bool cgroups_first = live.pod->name().back() % 2 == 0;
  if (cgroups_first) live.pod->remove_cgroups();
  ++resource_version_;
  publish_list();
  api_.push_event(event("DELETED", *live.pod));
  live.pod.reset();  // removes the cgroups if still there
  std::lock_guard lock(mu_);
  ++counters_.deleted;
}

void PodChurn::tick() {
  add_pod();
  for (int i = 0; i < options_.extra_execs_per_tick && !live_.empty(); ++i) {
    const auto& l = live_[std::uniform_int_distribution<size_t>(0, live_.size() - 1)(rng_)];
    const int rc = l.pod->run({"/bin/true"});
    std::lock_guard lock(mu_);
    ++counters_.execs;
    if (rc != 0) ++counters_.exec_failures;
  }
  const auto now = Clock::now();
  while (!live_.empty() && now - live_.front().born >= options_.lifetime) {
    Live l = std::move(live_.front());
    live_.pop_front();
    delete_pod(std::move(l));
  }
  std::lock_guard lock(mu_);
  counters_.alive = live_.size();
}

void PodChurn::run() {
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options_.pods_per_second));
  auto next = Clock::now();
  while (!stop_) {
    tick();
    next += period;
    const auto now = Clock::now();
    if (now > next) {
      // Behind (a loaded machine): note it and do not try to catch up in a burst.
      std::lock_guard lock(mu_);
      counters_.behind_seconds = std::max(counters_.behind_seconds, std::chrono::duration<double>(now - next).count());
      next = now;
    }
    while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace seismo::bench
