#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>

#include "cgroup/cgroup_resolver.h"

namespace seismo::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

// Turns a cgroup id into the labels that identify it in metrics. The path
// labeler gives {cgroup="/system.slice/x.service"}; pod attribution plugs in
// here with {namespace, pod, container}.
class CgroupLabeler {
 public:
  virtual ~CgroupLabeler() = default;
  virtual void begin_pass() = 0;
  // Labels for a live cgroup; nullopt when the cgroup no longer exists.
  virtual std::optional<Labels> labels(uint64_t cgroup_id) = 0;
  // Labels of the overflow series (same label names, sentinel values).
  [[nodiscard]] virtual Labels overflow_labels() const = 0;
  // The human name of a cgroup for `top`/`trace` (its path).
  virtual std::optional<std::string> name(uint64_t cgroup_id) = 0;
};

inline constexpr const char* kOverflowValue = "__overflow__";

class PathLabeler : public CgroupLabeler {
 public:
  explicit PathLabeler(cgroup::CgroupResolver& resolver) : resolver_(resolver) {}
  void begin_pass() override { resolver_.begin_pass(); }
  std::optional<Labels> labels(uint64_t cgroup_id) override {
    auto path = resolver_.lookup(cgroup_id);
    if (!path) return std::nullopt;
    return Labels{{"cgroup", *path}};
  }
  [[nodiscard]] Labels overflow_labels() const override { return {{"cgroup", kOverflowValue}}; }
  std::optional<std::string> name(uint64_t cgroup_id) override { return resolver_.lookup(cgroup_id); }

 private:
  cgroup::CgroupResolver& resolver_;
};

}  // namespace seismo::metrics
