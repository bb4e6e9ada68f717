#pragma once

#include <memory>
#include <string>
#include <utility>

#include "metrics/signal.h"
#include "probes/probe_status.h"

namespace seismo::daemon {

// One probe family that attached: owns the probe (destroying it detaches its
// programs) and the metrics signal that reads it. The signal holds a
// reference to the probe, so the scraper that holds the signal must be gone
// before this is destroyed.
class RunningProbe {
 public:
  template <class Probe>
  RunningProbe(std::unique_ptr<Probe> probe, std::shared_ptr<metrics::Signal> signal)
      : probe_(std::make_unique<Owned<Probe>>(std::move(probe))), signal_(std::move(signal)) {}

  [[nodiscard]] probes::ProbeStatus status() const { return probe_->status(); }
  [[nodiscard]] const std::shared_ptr<metrics::Signal>& signal() const { return signal_; }

 private:
  struct Holder {
    virtual ~Holder() = default;
    [[nodiscard]] virtual probes::ProbeStatus status() const = 0;
  };
  template <class Probe>
  struct Owned final : Holder {
    explicit Owned(std::unique_ptr<Probe> p) : probe(std::move(p)) {}
    [[nodiscard]] probes::ProbeStatus status() const override { return probe->status(); }
    std::unique_ptr<Probe> probe;
  };

  std::unique_ptr<Holder> probe_;
  std::shared_ptr<metrics::Signal> signal_;
};

}  // namespace seismo::daemon
