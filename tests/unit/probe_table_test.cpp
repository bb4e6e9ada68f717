// The daemon's probe table is where --probes gets its choices and default:
// the same six families, in the order they start and are reported.
#include "daemon/probe_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace seismo::daemon;

namespace {

ParseOutcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "seismod");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_args(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST(ProbeTable, HoldsEveryProbeFamilyOnceInStartOrder) {
  const std::vector<std::string> expected = {"syscalls", "exec", "net", "tcp", "sched", "oom"};
  EXPECT_EQ(probe_names(), expected);
  ASSERT_EQ(probe_table().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(probe_table()[i].name, expected[i]);
    EXPECT_NE(probe_table()[i].start, nullptr) << expected[i];
  }
}

TEST(ProbeTable, ProbesFlagDefaultsToEveryRowAndTakesOnlyRowNames) {
  EXPECT_EQ(Config{}.probes, probe_names());
  auto some = parse({"--probes", "oom,syscalls"});
  EXPECT_FALSE(some.exit_code.has_value());
  EXPECT_EQ(some.config.probes, (std::vector<std::string>{"oom", "syscalls"}));
  auto bad = parse({"--probes", "syscalls,kprobes"});
  ASSERT_TRUE(bad.exit_code.has_value());
  EXPECT_EQ(*bad.exit_code, 2);
}
