#include "daemon/daemon.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "bpf/libbpf_ptr.h"
#include "cgroup/mountinfo.h"
#include "chaos/fault_collector.h"
#include "chaos/namespace_resolver.h"
#include "chaos/pod_target_resolver.h"
#include "cluster/cluster_collector.h"
#include "cluster/selection.h"
#include "cluster/status_writer.h"
#include "cluster/watch_source.h"
#include "common/log.h"
#include "common/version.h"
#include "daemon/control_methods.h"
#include "daemon/fault_routes.h"
#include "daemon/pods_listing.h"
#include "daemon/probe_table.h"
#include "daemon/trace_events.h"
#include "doctor/doctor.h"
#include "metrics/attribution_hold_collector.h"
#include "metrics/pod_labeler.h"
#include "metrics/pod_watch_collector.h"
#include "pods/kube_client.h"
#include "pods/kube_config.h"
#include "pods/pod_attribution.h"

namespace seismo::daemon {

namespace {

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

Result<void> check_preconditions() {
  if (!doctor::has_btf())
    return fail_errno(ENOENT, "kernel BTF /sys/kernel/btf/vmlinux is missing: seismo's CO-RE programs need a kernel "
                              "built with CONFIG_DEBUG_INFO_BTF=y (run `seismo doctor`)");
  bool bpf_ok = doctor::has_capability(kCapBpf) || doctor::has_capability(kCapSysAdmin);
  bool perf_ok = doctor::has_capability(kCapPerfmon) || doctor::has_capability(kCapSysAdmin);
  if (!bpf_ok || !perf_ok)
    return fail_errno(EPERM, "seismod needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root or grant them "
                             "(run `seismo doctor`)");
  return {};
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::create(const Config& config) {
  std::unique_ptr<Daemon> d(new Daemon(config));
  if (auto r = d->start(); !r) return fail(std::move(r).error());
  return d;
}

Result<void> Daemon::start() {
  auto addr = metrics::parse_listen_address(config_.metrics_address);
  if (!addr) return fail(std::move(addr).error());
  if (auto r = check_preconditions(); !r) return r;
  if (auto r = start_identity(); !r) return r;
  if (auto r = start_probes(); !r) return r;
  start_scraper();
  if (auto r = start_faults(); !r) return r;
  if (auto r = start_metrics_server(*addr); !r) return r;
  if (auto r = start_control_socket(); !r) return r;
  start_pod_watch();
  if (auto r = start_cluster(); !r) return r;
  return {};
}

Result<void> Daemon::start_cluster() {
  bool asked = config_.cluster_faults.value_or(true);
  if (!asked) {
    cluster_reason_ = "disabled (--no-cluster-faults)";
    return {};
  }
  std::string missing;
  if (!kube_client_) missing = "no Kubernetes API configured (give --kubeconfig, or run in a cluster)";
  else if (!faults_ || pod_resolver_ == nullptr) missing = "the fault engine is not running: " + faults_reason_;
  if (!missing.empty()) {
    if (config_.cluster_faults) return fail_errno(EINVAL, "--cluster-faults: " + missing);
    cluster_reason_ = missing;
    return {};
  }
  cluster_engine_ = std::make_unique<cluster::FaultEngineActions>(*faults_, *pod_resolver_);
  cluster_status_ = std::make_unique<cluster::StatusPublisher>(
      std::make_unique<cluster::StatusWriter>(*kube_client_, config_.node_name, cluster_stop_));
  cluster::ClusterConfig cc;
  cc.node = config_.node_name;
  cluster_ = std::make_unique<cluster::ClusterController>(cc, cluster::default_selection(), *cluster_engine_,
                                                          cluster::list_watch_factory(*kube_client_), *cluster_status_);
  cluster_status_->start();
  if (auto r = cluster_->start(); !r) return fail(std::move(r).error().wrap("cluster faults"));
  if (metrics_server_) {
    metrics_server_->add(std::make_shared<cluster::ClusterCollector>([this] {
      auto c = cluster_->counters();
      auto w = cluster_status_->counters();
      c.requests += w.requests;
      c.errors += w.errors;
      return c;
    }));
  }
  log::info("cluster faults: applying NetworkFault objects to the pods of node {}", config_.node_name);
  return {};
}

nlohmann::json Daemon::cluster_status() const {
  if (!cluster_) return {{"enabled", false}, {"reason", cluster_reason_}};
  auto s = cluster_->status();
  auto w = cluster_status_->counters();
  s["enabled"] = true;
  s["requests"] = s["requests"].get<uint64_t>() + w.requests;
  s["errors"] = s["errors"].get<uint64_t>() + w.errors;
  s["status_writes"] = w.requests;
  s["status_summaries"] = w.summaries;
  return s;
}

Result<void> Daemon::start_identity() {
  cgroup_root_ = config_.cgroup_root;
  if (cgroup_root_.empty()) {
    auto cg2 = cgroup::find_mount("cgroup2");
    if (!cg2) return fail(std::move(cg2).error().wrap("find the cgroup2 mount"));
    cgroup_root_ = cg2->mount_point;
  }
  log::info("cgroup2 at {}", cgroup_root_);
  resolver_ = std::make_unique<cgroup::CgroupResolver>(cgroup_root_);
  auto own = net::Netns::current();
  if (!own) return fail(std::move(own).error());
  own_netns_ = std::move(*own);
  if (auto r = configure_pods(); !r) return r;
  traces_ = std::make_unique<TracePublisher>(hub_, cgroup_root_, pods_enabled() ? &pod_store_ : nullptr);
  return {};
}

Result<void> Daemon::start_probes() {
  bpf::route_libbpf_log();
  std::optional<probes::HookFlavour> flavour;
  if (config_.hook_flavour == "tp_btf") flavour = probes::HookFlavour::tp_btf;
  if (config_.hook_flavour == "raw_tp") flavour = probes::HookFlavour::raw_tp;
  struct stat root_st {};
  if (::stat(cgroup_root_.c_str(), &root_st) != 0) return fail_errno(errno, "stat cgroup2 root " + cgroup_root_);
  const ProbeContext ctx{config_,
                         flavour,
                         config_.syscall_mode == "full",
                         root_st.st_ino,
                         config_.net_cgroup.empty() ? cgroup_root_ : config_.net_cgroup,
                         *traces_};
  for (const auto& entry : probe_table()) {
    if (std::find(config_.probes.begin(), config_.probes.end(), entry.name) == config_.probes.end()) {
      log::info("{} probe not loaded (not in --probes)", entry.name);
      continue;
    }
    auto probe = entry.start(ctx);
    if (!probe) {
      // Skipped with its reason; the other probes keep working.
      log::error("{}", probe.error().message());
      failed_probes_.push_back({entry.name, false, "", probe.error().message()});
      continue;
    }
    log::info("{} probe attached ({})", entry.name, probe->status().hook);
    probes_.push_back(std::move(*probe));
  }
  if (probes_.empty()) return fail_plain("no probe could be attached (reasons above; run `seismo doctor`)");
  return {};
}

void Daemon::start_scraper() {
  metrics::SelfFigures self;
  self.probes = [this] { return probe_statuses(); };
  self.extra_losses = [this] {
    return std::vector<probes::LossCount>{{"trace_client_slow", hub_.dropped_total()}};
  };
  // Pod cgroups carry pod_uid/container_id from their path with or without
  // an API server; namespace/pod/container and pod labels need the API.
  std::vector<std::string> pod_label_keys = config_.pod_labels;
  if (!pods_enabled() && !pod_label_keys.empty()) {
    log::warn("--pod-label ignored: no Kubernetes API configured to read pod labels from");
    pod_label_keys.clear();
  }
  auto labeler = std::make_unique<metrics::PodLabeler>(*resolver_, pod_store_, std::move(pod_label_keys));
  scraper_ = std::make_shared<metrics::Scraper>(std::move(labeler), config_.series_limit, std::move(self));
  for (const auto& probe : probes_) scraper_->add_signal(probe.signal());
}

Result<void> Daemon::start_faults() {
  if (!config_.faults) {
    faults_reason_ = "disabled (--faults=false)";
    return {};
  }
  chaos::FaultEngineConfig fc;
  fc.bpffs = config_.bpffs;
  fc.state_file = config_.fault_state;
  std::unique_ptr<chaos::TargetResolver> resolver = std::make_unique<chaos::NamespaceResolver>(cgroup_root_);
  if (pods_enabled()) {
    auto ns = own_netns_->duplicate();
    if (!ns) return fail(std::move(ns).error());
    auto pod_resolver = std::make_unique<chaos::PodTargetResolver>(
        pod_store_, cgroup_root_, std::move(*ns), [this] { return pod_watcher_->synced(); }, std::move(resolver));
    pod_resolver_ = pod_resolver.get();
    resolver = std::move(pod_resolver);
  }
  auto engine = chaos::FaultEngine::create(fc, std::move(resolver));
  if (!engine) {
    faults_reason_ = engine.error().message();
    log::error("{}", faults_reason_);
    return {};
  }
  faults_ = std::move(*engine);
  if (pod_resolver_) {
    pod_faults_ = std::make_unique<chaos::PodFaultFollower>(*faults_, pod_store_, *pod_resolver_,
                                                            [this] { return pod_watcher_->synced(); });
    pod_faults_->start();
  }
  log::info("fault engine ready (pins under {}; fq {})", faults_->pin_dir(),
            faults_->fq_available() ? "available" : "missing: delay faults refused");
  return {};
}

Result<void> Daemon::start_metrics_server(const metrics::ListenAddress& addr) {
  auto ms = metrics::MetricsServer::create(addr, scraper_);
  if (!ms) return fail(std::move(ms).error());
  metrics_server_ = std::move(*ms);
  if (faults_) metrics_server_->add(chaos::FaultCollector::for_engine(*faults_));
  if (pod_watcher_) metrics_server_->add(metrics::PodWatchCollector::for_watcher(*pod_watcher_, pod_store_));
  if (traces_->hold_counters())
    metrics_server_->add(metrics::AttributionHoldCollector::create([this] { return *traces_->hold_counters(); }));
  log::info("metrics on http://{}/metrics", addr.to_civetweb());
  return {};
}

Result<void> Daemon::start_control_socket() {
  register_methods();
  api::ServerConfig sc;  // limits and deadlines: docs/deploy.md, "Control socket"
  sc.path = config_.socket_path;
  if (!config_.socket_group.empty()) {
    auto gid = lookup_group(config_.socket_group);
    if (!gid) return fail(std::move(gid).error());
    sc.group = *gid;
  }
  auto server = api::Server::create(sc, router_);
  if (!server) return fail(std::move(server).error());
  server_ = std::move(*server);
  log::info("control socket {}", config_.socket_path);
  return {};
}

void Daemon::start_pod_watch() {
  if (!pod_watcher_) return;
  pod_store_.on_change([this] {
    traces_->pods_changed();
    if (pod_faults_) pod_faults_->notify();
  });
  pod_watcher_->start();
  log::info("watching pods on node {}", config_.node_name);
}

Result<void> Daemon::configure_pods() {
  std::optional<pods::KubeConfig> kube;
  std::string source;
  if (!config_.kubeconfig.empty()) {
    auto k = pods::kubeconfig_from_file(config_.kubeconfig);
    if (!k) return fail(std::move(k).error().wrap("--kubeconfig " + config_.kubeconfig));
    kube = std::move(*k);
    source = "kubeconfig " + config_.kubeconfig;
  } else if (std::getenv("KUBERNETES_SERVICE_HOST")) {  // NOLINT(concurrency-mt-unsafe): before any thread
    auto k = pods::in_cluster_config(pods::InClusterPaths{}, pods::process_env());
    if (!k) return fail(std::move(k).error().wrap("in-cluster Kubernetes config"));
    kube = std::move(*k);
    source = "in-cluster config";
  }
  if (!kube) {
    if (!config_.node_name.empty())
      return fail_errno(EINVAL, "--node-name " + config_.node_name +
                                    ": no Kubernetes API server to ask about its pods (give --kubeconfig, or run "
                                    "in a cluster where KUBERNETES_SERVICE_HOST is set)");
    pods_reason_ = "no Kubernetes API configured (neither --kubeconfig nor in-cluster)";
    log::info("pods: {}: metrics keep cgroup path labels and pod selectors are refused", pods_reason_);
    return {};
  }
  if (config_.node_name.empty())
    return fail_errno(EINVAL, "--node-name: required with a Kubernetes API server (" + source +
                                  "), so only this node's pods are watched; set it or NODE_NAME");
  auto client = pods::KubeClient::create(std::move(*kube));
  if (!client) return fail(std::move(client).error().wrap(source));
  kube_client_ = *client;
  pods::PodWatcherOptions options;
  options.node_name = config_.node_name;
  auto watcher = pods::PodWatcher::create(std::move(*client), pod_store_, std::move(options));
  if (!watcher) return fail(std::move(watcher).error());
  pod_watcher_ = std::move(*watcher);
  log::info("pods: from the Kubernetes API ({}), node {}", source, config_.node_name);
  return {};
}

std::optional<pods::PodAttribution> Daemon::pod_of_path(const std::string& path) const {
  return pods::attribute_cgroup(pod_store_, path);
}

std::optional<pods::PodAttribution> Daemon::pod_of_cgroup(uint64_t cgroup_id) {
  auto path = traces_->lookup(cgroup_id);
  if (!path) return std::nullopt;
  return pod_of_path(*path);
}

std::vector<probes::ProbeStatus> Daemon::probe_statuses() const {
  std::vector<probes::ProbeStatus> all = failed_probes_;
  for (const auto& probe : probes_) all.push_back(probe.status());
  return all;
}

void Daemon::register_methods() {
  router_.add("status", api::Access::read, [this](const nlohmann::json&, const api::Peer&) -> Result<nlohmann::json> {
    return status();
  });
  PodOfCgroupId pod_of_id;
  if (pods_enabled()) pod_of_id = [this](uint64_t id) { return pod_of_cgroup(id); };
  router_.add("top", api::Access::read, [this, pod_of_id](const nlohmann::json& params, const api::Peer&) {
    return top_snapshot(*scraper_, params, pod_of_id);
  });
  router_.add("pods", api::Access::read, [this](const nlohmann::json& params, const api::Peer&) -> Result<nlohmann::json> {
    if (!pods_enabled())
      return fail_errno(EOPNOTSUPP, "pods are off: " + pods_reason_ +
                                        " (start seismod with --node-name and --kubeconfig, or in a cluster)");
    return pods_listing(pod_store_, pod_watcher_->synced(), cgroup_root_, *own_netns_, faults_.get(), params);
  });
  if (faults_) {
    NodePods node_pods;
    if (pods_enabled()) node_pods = [this] { return pod_store_.snapshot(); };
    register_fault_routes(router_, *faults_, node_pods);
  } else {
    for (const char* method : {"fault.add", "fault.apply", "fault.ls", "fault.rm", "fault.clear"})
      router_.add(method, api::Access::read, [this](const nlohmann::json&, const api::Peer&) -> Result<nlohmann::json> {
        return fail_errno(EOPNOTSUPP, "the fault engine is not running: " + faults_reason_);
      });
  }
  const bool with_pods = pods_enabled();
  auto validate = [with_pods](const nlohmann::json& params) { return validate_trace_params(params, with_pods); };
  for (const char* topic : {"exec", "tcp", "oom", "dns"}) {
    router_.add_stream(
        std::string("trace.") + topic, api::Access::read, validate,
        [this, topic, with_pods](const nlohmann::json& params, const api::Peer&, api::StreamSink& sink) {
          stream_topic(hub_, topic, params, sink, with_pods);
        });
  }
}

nlohmann::json Daemon::status() const {
  nlohmann::json probes = nlohmann::json::array();
  for (const auto& p : probe_statuses())
    probes.push_back({{"name", p.name}, {"attached", p.attached}, {"hook", p.hook}, {"reason", p.reason}});
  auto stats = scraper_->stats();
  nlohmann::json losses = nlohmann::json::object();
  for (const auto& l : scraper_->losses()) losses[l.stage] = l.count;
  return {{"version", build_version()},
          {"pid", ::getpid()},
          {"uptime_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()},
          {"metrics_address", config_.metrics_address},
          {"socket", config_.socket_path},
          {"cgroup_root", cgroup_root_},
          {"syscall_mode", config_.syscall_mode},
          {"probes", probes},
          {"series", {{"used", stats.series_used}, {"limit", stats.series_limit},
                      {"dropped_total", stats.series_dropped_total}}},
          {"scrapes", stats.scrapes},
          {"last_scrape_seconds", stats.last_scrape_seconds},
          {"losses", losses},
          {"pods", pods_status()},
          {"trace_hold", trace_hold_status()},
          {"faults", faults_status()},
          {"cluster", cluster_status()}};
}

nlohmann::json Daemon::faults_status() const {
  if (!faults_) return {{"running", false}, {"reason", faults_reason_}};
  const auto samples = faults_->samples();
  return {{"running", true},
          {"active", samples.size()},
          {"broken", std::count_if(samples.begin(), samples.end(), [](const auto& f) { return f.broken; })},
          {"fq_available", faults_->fq_available()},
          {"pin_dir", faults_->pin_dir()},
          {"reconcile", faults_->reconcile_report().to_json()}};
}

Result<void> Daemon::run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd) return fail_errno(errno, "signalfd");
  log::info("seismod {} ready", build_version());
  for (;;) {
    signalfd_siginfo si{};
    ssize_t n = ::read(sfd.get(), &si, sizeof(si));
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof(si)) return fail_errno(errno, "read signalfd");
    log::info("received {}, shutting down", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
    return {};
  }
}

nlohmann::json Daemon::trace_hold_status() const {
  auto c = traces_->hold_counters();
  if (!c) return {{"enabled", false}};
  return {{"enabled", true}, {"held", c->held}, {"attributed", c->attributed}, {"expired", c->expired},
          {"overflow", c->overflow}, {"holding", c->holding}};
}

nlohmann::json Daemon::pods_status() const {
  if (!pod_watcher_) return {{"enabled", false}, {"reason", pods_reason_}};
  auto c = pod_watcher_->counters();
  return {{"enabled", true},
          {"node_name", config_.node_name},
          {"synced", pod_watcher_->synced()},
          {"known", pod_store_.size()},
          {"watch", {{"requests", c.requests}, {"lists", c.lists}, {"relists", c.relists}, {"watches", c.watches},
                     {"events", c.events}, {"errors", c.errors}, {"stalled", c.stalled}, {"malformed", c.malformed},
                     {"oversized", c.oversized}}}};
}

Daemon::~Daemon() {
  // Reverse dependency order; each owner removes what it installed. The
  // watch stops first so no pod event reaches the tracker or engine below.
  // Cluster mode first: its watches and status writes end at once (the stop
  // flag aborts a transfer in progress), its faults stay for faults_ below.
  cluster_stop_ = true;
  if (cluster_) cluster_->stop();
  if (cluster_status_) cluster_status_->stop();
  if (pod_watcher_) pod_watcher_->stop();
  // Returns at once whatever clients do (stuck readers, half requests), so
  // the faults below are always removed before the kubelet's SIGKILL.
  if (server_) server_->stop();
  server_.reset();
  log::debug("shutdown: control socket closed");
  metrics_server_.reset();
  log::debug("shutdown: metrics server stopped");
  // Stopped above; gone now that no scrape can read them.
  cluster_.reset();
  cluster_status_.reset();
  cluster_engine_.reset();
  pod_faults_.reset();
  // Removes every fault and gives every device its qdiscs back.
  faults_.reset();
  log::debug("shutdown: faults removed");
  // The signals (in the scraper) read the probes: they go first.
  scraper_.reset();
  while (!probes_.empty()) probes_.pop_back();
  // No ring buffer thread is left to publish; what is still held goes out.
  traces_.reset();
  log::info("seismod stopped; all programs detached");
}

}  // namespace seismo::daemon
