#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/cgroup_resolver.h"
#include "common/result.h"
#include "metrics/cgroup_labeler.h"
#include "pods/pod_store.h"

namespace seismo::metrics {

// The metrics seam for pods: {cgroup, namespace, pod, container, pod_uid,
// container_id} for every cgroup. pod_uid and container_id come from the
// cgroup path alone (kubelet's naming), so they are there with or without an
// API server and from a pod's first scrape; namespace/pod/container are
// joined from the PodStore at each scrape, so a cgroup seen before its pod
// is known gets them as soon as the watch delivers it (never dropped
// meanwhile: it keeps its path and UID), and a deleted pod's cgroups vanish
// with the cgroup (nullopt). Non-pod cgroups keep their path with the other
// labels empty. Same label names on every series, so families stay consistent.
//
// Pod labels become metric labels only for the keys configured
// (`--pod-label app`): each adds one label, `label_<key>` (kube-state-metrics'
// naming), empty where the pod lacks it. Bounded by kMaxPodLabelKeys: every
// key multiplies nothing (a pod has one value) but widens every series.
class PodLabeler : public CgroupLabeler {
 public:
  static constexpr size_t kMaxPodLabelKeys = 8;

  // `label_keys` must have passed pod_label_metric_names().
  PodLabeler(cgroup::CgroupResolver& resolver, const pods::PodStore& store, std::vector<std::string> label_keys = {});

  void begin_pass() override { resolver_.begin_pass(); }
  std::optional<Labels> labels(uint64_t cgroup_id) override;
  [[nodiscard]] Labels overflow_labels() const override;
  // "namespace/pod/container" for a known pod's container, else the path.
  std::optional<std::string> name(uint64_t cgroup_id) override;

 private:
  struct Identity {
    std::string path, namespace_name, pod, container, pod_uid, container_id;
    std::map<std::string, std::string> pod_labels;
  };
  std::optional<Identity> identify(uint64_t cgroup_id);

  cgroup::CgroupResolver& resolver_;
  const pods::PodStore& store_;
  std::vector<std::string> label_keys_;
  std::vector<std::string> label_names_;  // metric label name per key
};

// The metric label names for configured pod label keys ("app.kubernetes.io/name"
// → "label_app_kubernetes_io_name"). Errors name the key: not a Kubernetes
// label key, two keys that map to one name, more than kMaxPodLabelKeys.
[[nodiscard]] Result<std::vector<std::string>> pod_label_metric_names(const std::vector<std::string>& keys);

}  // namespace seismo::metrics
