#pragma once

#include <chrono>
#include <functional>

namespace seismo::pods {

// Jittered exponential backoff: attempt n waits initial·2ⁿ capped at max,
// scaled by a jitter factor in [0.5, 1] (so a fleet of nodes does not
// reconnect in lockstep). The jitter source is injected for tests.
class Backoff {
 public:
  using Jitter = std::function<double()>;  // uniform in [0, 1)

  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, Jitter jitter);

  // The next delay; grows with each call until reset().
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  [[nodiscard]] unsigned attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  Jitter jitter_;
  unsigned attempt_ = 0;
};

}  // namespace seismo::pods
