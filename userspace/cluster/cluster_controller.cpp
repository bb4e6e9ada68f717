#include "cluster/cluster_controller.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "chaos/guard_report.h"
#include "cluster/engine_sync.h"
#include "common/log.h"

namespace seismo::cluster {

// One fault's pod lists: the selector's, and the target's when it has one.
struct ClusterController::FaultWatch {
  explicit FaultWatch(const std::function<void()>& changed) : pods(changed), targets(changed) {}
  ~FaultWatch() {
    if (pod_watch) pod_watch->stop();
    if (target_watch) target_watch->stop();
  }
  FaultWatch(const FaultWatch&) = delete;
  FaultWatch& operator=(const FaultWatch&) = delete;

  std::string key;  // what the lists were started for (namespace and label query of each)
  bool needs_nodes = false;
  PodSet pods;
  std::unique_ptr<WatchHandle> pod_watch;
  PodSet targets;
  std::unique_ptr<WatchHandle> target_watch;  // null without a target

  [[nodiscard]] bool synced() const {
    return pods.listed() && (target_watch == nullptr || targets.listed());
  }
};

namespace {

// Whether this node writes its entry for a fault (docs/cluster.md, Status).
// A node speaks about the pods it hosts: once it had a picked pod (or has
// an entry from before a restart) it keeps its entry current to the end. A
// node that never hosted one stays quiet, so status.nodes grows with the
// nodes a fault touches, not with the cluster. Two exceptions: a failure
// is always told, and when the pick is empty cluster-wide every node says
// NoTargets, so an experiment that hits nothing does not look unread.
bool speaks(NodePhase phase, std::size_t picked_total, bool spoke_before) {
  if (spoke_before || phase == NodePhase::injected || phase == NodePhase::aborted || phase == NodePhase::failed)
    return true;
  return phase == NodePhase::no_targets && picked_total == 0;
}

std::string pods_path(const std::string& ns) {
  return ns.empty() ? "/api/v1/pods" : fmt::format("/api/v1/namespaces/{}/pods", pods::url_encode(ns));
}

bool needs_nodes(const crd::NetworkFault& f) {
  return f.spec.selector.needs_node_labels() || (f.spec.target && f.spec.target->selector.needs_node_labels());
}

std::string pod_name(const pods::Pod& p) { return p.namespace_name + "/" + p.name; }

NodeFaultPlan failed_plan(const std::string& uid, const std::string& ns, const std::string& name, int64_t generation,
                          std::string message) {
  NodeFaultPlan plan;
  plan.uid = uid;
  plan.namespace_name = ns;
  plan.name = name;
  plan.generation = generation;
  plan.phase = NodePhase::failed;
  plan.message = std::move(message);
  return plan;
}

void add_counters(ClusterCounters& c, const WatchHandle* w) {
  if (w == nullptr) return;
  auto wc = w->counters();
  c.requests += wc.requests;
  c.errors += wc.errors;
  ++c.watches;
}

}  // namespace

ClusterController::ClusterController(ClusterConfig config, Selection selection, EngineActions& engine,
                                     WatchFactory watches, StatusSink& status)
    : config_(std::move(config)),
      selection_(std::move(selection)),
      engine_(engine),
      make_watch_(std::move(watches)),
      status_(status),
      faults_(selection_.parse, [this] { notify(); }),
      nodes_([this] { notify(); }) {}

ClusterController::~ClusterController() { stop(); }

Result<std::unique_ptr<WatchHandle>> ClusterController::start_watch(pods::ListWatchSink& sink, const std::string& path,
                                                                   const std::string& label_query) {
  auto options = config_.watch;
  options.path = path;
  options.label_selector = label_query;
  auto w = make_watch_(sink, std::move(options));
  if (!w) return fail(std::move(w).error().wrap(fmt::format("list+watch {}", path)));
  (*w)->start();
  return w;
}

Result<void> ClusterController::start() {
  auto w = start_watch(faults_, fmt::format("/apis/{}/{}", crd::kApiVersion, crd::kPlural), "");
  if (!w) return fail(std::move(w).error());
  fault_watch_ = std::move(*w);
  thread_ = std::thread([this] { loop(); });
  return {};
}

void ClusterController::stop() {
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fault_watch_) fault_watch_->stop();
  watches_.clear();
  if (node_watch_) node_watch_->stop();
}

void ClusterController::notify() {
  {
    std::lock_guard lock(wake_mu_);
    dirty_ = true;
  }
  wake_.notify_all();
}

void ClusterController::loop() {
  std::unique_lock lock(wake_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, config_.resync, [this] { return dirty_ || stopping_; });
    if (stopping_) break;
    dirty_ = false;
    lock.unlock();
    reconcile();
    lock.lock();
  }
}

std::map<std::string, std::string> ClusterController::update_watches(const std::vector<crd::NetworkFault>& faults) {
  std::map<std::string, std::string> refused;
  std::vector<const crd::NetworkFault*> order;
  for (const auto& f : faults) order.push_back(&f);
  // The oldest faults are watched; the same ones on every node.
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::tie(a->created_unix, a->uid) < std::tie(b->created_unix, b->uid);
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto& f = *order[i];
    if (i >= config_.max_faults) {
      refused[f.uid] = fmt::format("too many NetworkFaults: a node follows at most {} (the oldest)", config_.max_faults);
      continue;
    }
    const auto& sel = f.spec.selector;
    std::string key = selection_.single_namespace(sel) + "|" + selection_.label_query(sel);
    if (f.spec.target) {
      key += "|" + selection_.single_namespace(f.spec.target->selector) + "|" +
             selection_.label_query(f.spec.target->selector);
    }
    auto& slot = watches_[f.uid];
    if (slot && slot->key == key) continue;
    slot = std::make_unique<FaultWatch>([this] { notify(); });
    slot->key = key;
    slot->needs_nodes = needs_nodes(f);
    auto w = start_watch(slot->pods, pods_path(selection_.single_namespace(sel)), selection_.label_query(sel));
    if (w && f.spec.target) {
      const auto& ts = f.spec.target->selector;
      auto t = start_watch(slot->targets, pods_path(selection_.single_namespace(ts)), selection_.label_query(ts));
      if (t) slot->target_watch = std::move(*t);
      else w = fail(std::move(t).error());
    }
    if (!w) {
      refused[f.uid] = w.error().message();
      watches_.erase(f.uid);
      continue;
    }
    slot->pod_watch = std::move(*w);
  }
  return refused;
}

std::vector<pods::Pod> ClusterController::matching(
    const PodSet& set, const pods::PodSelector& selector,
    const std::map<std::string, std::map<std::string, std::string>>& nodes) const {
  static const std::map<std::string, std::string> kNone;
  std::vector<pods::Pod> out;
  for (auto& p : set.pods()) {
    auto n = nodes.find(p.node_name);
    if (selection_.match(selector, p, n == nodes.end() ? kNone : n->second)) out.push_back(std::move(p));
  }
  return out;
}

void ClusterController::reconcile() {
  std::lock_guard pass(pass_mu_);
  // Until the first whole list, an adopted engine fault may belong to an
  // object not seen yet: change nothing.
  if (!fault_watch_ || !faults_.listed()) return;
  auto snap = faults_.snapshot();
  auto refused = update_watches(snap.valid);

  bool want_nodes = false;
  for (const auto& [uid, w] : watches_) want_nodes = want_nodes || w->needs_nodes;
  if (want_nodes && !node_watch_) {
    auto w = start_watch(nodes_, "/api/v1/nodes", "");
    if (w) node_watch_ = std::move(*w);
    else log::warn("cluster: {}", w.error().message());
  }
  auto node_labels = nodes_.labels();
  bool nodes_synced = node_watch_ && nodes_.listed();

  PlanContext context{config_.node,
                      std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count(),
                      selection_.pick};
  std::vector<NodeFaultPlan> plans;
  for (const auto& f : snap.valid) {
    auto r = refused.find(f.uid);
    auto w = watches_.find(f.uid);
    if (r != refused.end() || w == watches_.end()) {
      plans.push_back(failed_plan(f.uid, f.namespace_name, f.name, f.generation,
                                  r != refused.end() ? r->second : "no pod list"));
      continue;
    }
    FaultView view{f, matching(w->second->pods, f.spec.selector, node_labels), {}, false};
    if (f.spec.target) view.target_pods = matching(w->second->targets, f.spec.target->selector, node_labels);
    view.pods_synced = w->second->synced() && (!w->second->needs_nodes || nodes_synced);
    plans.push_back(plan_node_fault(view, context));
  }
  for (const auto& bad : snap.invalid) {
    plans.push_back(failed_plan(bad.uid, bad.namespace_name, bad.name, bad.generation, bad.error));
  }
  auto outcome = sync_engine(engine_, plans);
  auto samples = engine_.samples();

  std::set<std::string> present;
  ClusterCounters c;
  for (auto& plan : plans) {
    present.insert(plan.uid);
    auto reporters = snap.reporters.find(plan.uid);
    publish(plan, outcome, samples,
            reporters != snap.reporters.end() && reporters->second.count(config_.node) != 0);
    auto last = last_.find(plan.uid);
    ++c.phases[phase_name(last != last_.end() ? last->second.phase : plan.phase)];
  }
  // Gone objects: their engine faults were removed above; now their watches.
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (present.count(it->first) == 0 || refused.count(it->first) != 0) it = watches_.erase(it);
    else ++it;
  }
  for (auto it = last_.begin(); it != last_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    status_.forget(it->first);
    spoken_.erase(it->first);
    carried_.erase(it->first);
    it = last_.erase(it);
  }
  if (!want_nodes && node_watch_) {
    node_watch_->stop();
    node_watch_.reset();
  }
  c.synced = true;
  c.faults = snap.valid.size();
  c.invalid = snap.invalid.size();
  add_counters(c, fault_watch_.get());
  add_counters(c, node_watch_.get());
  for (const auto& [uid, w] : watches_) {
    add_counters(c, w->pod_watch.get());
    add_counters(c, w->target_watch.get());
  }
  c.errors += outcome.errors.size();
  std::lock_guard lock(counters_mu_);
  c.passes = counters_.passes + 1;
  counters_ = std::move(c);
}

void ClusterController::publish(const NodeFaultPlan& plan, const SyncOutcome& outcome,
                                const std::vector<chaos::FaultSample>& samples, bool reported) {
  if (plan.phase == NodePhase::pending) return;
  NodeStatusEntry e;
  e.namespace_name = plan.namespace_name;
  e.name = plan.name;
  e.phase = plan.phase;
  e.message = plan.message;
  e.observed_generation = plan.generation;
  auto covered = outcome.covered.find(plan.uid);
  for (const auto& p : plan.pods) {
    if (covered != outcome.covered.end() && covered->second.count(p.uid) != 0) e.pods.push_back(pod_name(p));
  }
  std::sort(e.pods.begin(), e.pods.end());
  if (auto err = outcome.errors.find(plan.uid); err != outcome.errors.end() && !err->second.empty()) {
    e.message = err->second;
    if (e.pods.empty()) e.phase = NodePhase::failed;
  }
  if (e.phase == NodePhase::injected && e.pods.empty()) e.phase = NodePhase::failed;
  // Injected here before and no pod of the pick here now: it was taken off.
  auto last = last_.find(plan.uid);
  if (e.phase == NodePhase::no_targets && last != last_.end() &&
      (last->second.phase == NodePhase::injected || last->second.phase == NodePhase::recovered)) {
    e.phase = NodePhase::recovered;
  }
  std::string base = engine_base_name(plan.uid);
  auto ours = [&](const std::string& name) { return name == base || name.starts_with(base + "-"); };
  auto& carried = carried_[plan.uid];
  for (const auto& [name, c] : outcome.retired) {
    if (!ours(name)) continue;
    carried.passed += c.passed;
    carried.dropped += c.dropped;
    carried.delayed += c.delayed;
  }
  e.passed = carried.passed;
  e.dropped = carried.dropped;
  e.delayed = carried.delayed;
  bool counted = false;
  for (const auto& s : samples) {
    if (!ours(s.name)) continue;
    counted = true;
    e.passed += s.counters.passed;
    e.dropped += s.counters.dropped;
    e.delayed += s.counters.delayed;
    // A guard stopped it in the kernel: still installed (passing), reported as such.
    if (e.phase == NodePhase::injected && s.counters.guard.aborted()) {
      e.phase = NodePhase::aborted;
      e.message = "aborted: " + chaos::guard_abort_reason(s.guard, s.counters.guard, s.start_mono_ns);
    }
  }
  // No engine fault now (expired in the kernel, paused, pods left): what
  // was counted last, or carried when this pass removed it.
  if (!counted && last != last_.end()) {
    e.passed = std::max(e.passed, last->second.passed);
    e.dropped = std::max(e.dropped, last->second.dropped);
    e.delayed = std::max(e.delayed, last->second.delayed);
  }
  last_[plan.uid] = e;
  if (!speaks(e.phase, plan.picked_total, reported || spoken_.count(plan.uid) != 0)) return;
  spoken_.insert(plan.uid);
  status_.offer(plan.uid, e);
}

ClusterCounters ClusterController::counters() const {
  std::lock_guard lock(counters_mu_);
  return counters_;
}

nlohmann::json ClusterController::status() const {
  auto c = counters();
  return {{"synced", c.synced}, {"faults", c.faults},     {"invalid", c.invalid}, {"watches", c.watches},
          {"requests", c.requests}, {"errors", c.errors}, {"passes", c.passes},   {"phases", c.phases}};
}

}  // namespace seismo::cluster
