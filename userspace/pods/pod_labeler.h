#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cgroup/cgroup_resolver.h"
#include "metrics/cgroup_labeler.h"
#include "pods/pod_store.h"

namespace seismo::pods {

// The metrics seam for pods: {cgroup, namespace, pod, container} for every
// cgroup. Labels are computed at each scrape from the cgroup path and the
// PodStore, so a cgroup seen before its pod is known gets the pod's labels
// as soon as the watch delivers it (never dropped meanwhile: it keeps its
// path), and a deleted pod's cgroups vanish with the cgroup (nullopt).
// Non-pod cgroups keep their path with empty pod labels. Same label names on
// every series, so families stay consistent.
class PodLabeler : public metrics::CgroupLabeler {
 public:
  PodLabeler(cgroup::CgroupResolver& resolver, const PodStore& store) : resolver_(resolver), store_(store) {}

  void begin_pass() override { resolver_.begin_pass(); }
  std::optional<metrics::Labels> labels(uint64_t cgroup_id) override;
  [[nodiscard]] metrics::Labels overflow_labels() const override;
  // "namespace/pod/container" for a known pod's container, else the path.
  std::optional<std::string> name(uint64_t cgroup_id) override;

 private:
  struct Identity {
    std::string path, namespace_name, pod, container;
  };
  std::optional<Identity> identify(uint64_t cgroup_id);

  cgroup::CgroupResolver& resolver_;
  const PodStore& store_;
};

}  // namespace seismo::pods
