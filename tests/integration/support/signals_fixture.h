#pragma once

// Shared by the signals_* integration tests: a running seismod, scrapes,
// and the loss-counter check every test ends with.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <optional>
#include <string>
#include <vector>

#include "support/exposition.h"
#include "support/seismod_process.h"

namespace seismo::testing {

class SignalsTest : public ::testing::Test {
 protected:
  // Extra seismod arguments for the whole suite (e.g. --probes).
  virtual std::vector<std::string> daemon_args() const { return {}; }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests need root (BPF, cgroups, network namespaces)";
    auto d = SeismodProcess::start(daemon_args());
    ASSERT_TRUE(d) << d.error().message();
    daemon_.emplace(std::move(*d));
  }

  std::vector<Sample> scrape() {
    auto body = http_get(daemon_->port(), "/metrics");
    EXPECT_TRUE(body) << body.error().message();
    return body ? parse_exposition(*body) : std::vector<Sample>{};
  }

  // Every loss stage of the signals probes stays at zero, except
  // unknown_cgroup: it counts rows of any cgroup on the machine removed
  // between the kernel's write and a scrape (a systemd scope, a container of
  // someone else), not events of the test's workload, whose cgroups live
  // until after the scrape. Seen once in CI: 1 row, with nothing of the
  // test's removed.
  static void expect_no_losses(const std::vector<Sample>& samples) {
    size_t stages = 0;
    for (const auto& s : samples) {
      if (s.name != "seismo_events_lost_total") continue;
      ++stages;
      if (s.labels.at("stage") == "unknown_cgroup") continue;
      EXPECT_EQ(s.value, 0) << "loss stage " << s.labels.at("stage");
    }
    EXPECT_GT(stages, 0u) << "seismo_events_lost_total not exported";
  }

  // The median's bucket upper bound (seconds) of a histogram series.
  static double median_upper_bound(const std::vector<Sample>& samples, const std::string& family,
                                   const std::string& cgroup) {
    double count = sum_samples(samples, family + "_count", {{"cgroup", cgroup}});
    for (const auto& s : samples) {
      if (s.name != family + "_bucket" || s.labels.at("cgroup") != cgroup) continue;
      if (s.value >= count / 2) return s.labels.at("le") == "+Inf" ? 1e300 : std::stod(s.labels.at("le"));
    }
    return -1;
  }

#ifdef SEISMO_CLI_PATH
  struct CliOutput {
    int exit_code = -1;
    std::string out;
  };
  // Runs `seismo --socket <daemon's> ARGS` to completion.
  CliOutput run_cli(const std::string& args) const {
    std::string cmd = std::string(SEISMO_CLI_PATH) + " --socket " + daemon_->socket() + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
    int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
  }
#endif

  std::optional<SeismodProcess> daemon_;
};

}  // namespace seismo::testing
