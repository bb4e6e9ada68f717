// The installer's transaction: a failure injected at each step of a real
// plan (veths in private namespaces) leaves nothing behind: tc state on both
// veth ends, pinned map entries and the state file are as before, for every
// step k.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chaos/fault_engine.h"
#include "chaos/fault_maps.h"
#include "chaos_lab_fixture.h"
#include "chaos_support.h"
#include "netns_fixture.h"

using namespace seismo;
using namespace seismo::chaos;
using namespace seismo::testing;
using nlohmann::json;

namespace {

// Counts install steps and fails the one numbered fail_at (none when -1).
struct StepCounter {
  int fail_at = -1;
  int seen = 0;
  std::vector<std::string> names;
  InstallGate gate() {
    return [this](std::string_view step) -> Result<void> {
      names.emplace_back(step);
      if (seen++ == fail_at) return fail_errno(EIO, fmt::format("injected failure at step {} ({})", fail_at, step));
      return {};
    };
  }
};

// The state file, but for next_generation: a failed add uses up its
// generation on purpose (fault_cfg.generation is never reused, so a slot's
// earlier user cannot pass for a later one).
std::string state_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "<absent>";
  std::stringstream ss;
  ss << in.rdbuf();
  static const std::regex generation(R"("next_generation": \d+)");
  return std::regex_replace(ss.str(), generation, "\"next_generation\": N");
}

// Every fault_cfg and fault_attach entry, when the maps are pinned.
std::string map_entries(const std::string& pin_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(pin_dir, ec)) return "<no maps>";
  auto maps = FaultMaps::open(pin_dir);
  if (!maps) return "<" + maps.error().message() + ">";
  std::string out;
  for (uint32_t slot = 0; slot < SEISMO_FAULT_SLOTS; ++slot) {
    auto cfg = (*maps)->read_cfg(slot);
    if (cfg && cfg->expires_ns) out += fmt::format("cfg {} gen {} expires {}\n", slot, cfg->generation, cfg->expires_ns);
  }
  for (uint32_t id = 0; id < SEISMO_FAULT_ATTACH_SLOTS; ++id) {
    auto att = (*maps)->read_attach(id);
    if (!att || !att->count) continue;
    out += fmt::format("attach {}:", id);
    for (uint32_t i = 0; i < att->count; ++i) out += fmt::format(" {}", att->slots[i]);
    out += "\n";
  }
  // The fault_peers trie: a failed add leaves none of its prefixes.
  out += fmt::format("peers {}\n", (*maps)->peer_entries());
  return out;
}

class ChaosInstallerTest : public FaultLabTest {
 protected:
  void SetUp() override {
    FaultLabTest::SetUp();
    if (lab_ready()) start_engine(counter_.gate());
  }

  // 40 peer prefixes (the fault_peers trie: a step of its own), the
  // receiver's address among them, IPv6 too.
  static json peers() {
    json out = {"10.200.0.2/32", "fd00:5e15::/64"};
    for (int i = 0; i < 38; ++i) out.push_back(fmt::format("10.{}.0.0/16", 100 + i));
    return out;
  }

  // Delay (fq, veth peer) where the kernel has fq; loss both ways otherwise:
  // either way a plan with two new attachments.
  FaultSpec spec(const std::string& name) {
    json doc = {{"name", name},
                {"target", {{"netns", lab_->a().name()}, {"interface", lab_->veth().a_name()}}},
                {"direction", "both"},
                {"filter", {{"protocol", "udp"}, {"cidrs", peers()}}},
                {"duration", "60s"}};
    if (engine_->fq_available()) doc.update({{"action", "delay"}, {"delay", {{"latency", "20ms"}}}});
    else doc.update({{"action", "loss"}, {"loss", {{"percent", 50}}}});
    auto s = parse_fault_spec(doc);
    EXPECT_TRUE(s) << s.error().message();
    return s ? *s : FaultSpec{};
  }

  struct World {
    std::string a, b, maps, state;
    size_t faults = 0;
    bool operator==(const World&) const = default;
  };
  World world() {
    return {lab_->a_state(), lab_->b_state(), map_entries(engine_->pin_dir()), state_text(lab_->fs().state_file()),
            engine_->list()["faults"].size()};
  }

  // Adds `name` failing at each step in turn and checks the world is as
  // before every time; returns how many steps the add has.
  int fail_each_step(const std::string& name) {
    counter_ = StepCounter{};
    const World before = world();
    auto probe = engine_->add(spec(name));
    EXPECT_TRUE(probe) << probe.error().message();
    const int steps = counter_.seen;
    const auto names = counter_.names;
    EXPECT_TRUE(engine_->remove(name));
    EXPECT_EQ(world(), before) << "remove after a full add";
    for (int k = 0; k < steps; ++k) {
      counter_ = StepCounter{k, 0, {}};
      auto r = engine_->add(spec(name));
      if (r) {
        ADD_FAILURE() << "step " << k << " (" << names[k] << ") did not fail";
        return steps;
      }
      EXPECT_NE(r.error().message().find(fmt::format("injected failure at step {}", k)), std::string::npos)
          << r.error().message();
      const World after = world();
      EXPECT_EQ(after.a, before.a) << "tc state of " << lab_->veth().a_name() << " after a failure at " << names[k];
      EXPECT_EQ(after.b, before.b) << "tc state of " << lab_->veth().b_name() << " after a failure at " << names[k];
      EXPECT_EQ(after.maps, before.maps) << "map entries after a failure at " << names[k];
      EXPECT_EQ(after.state, before.state) << "state file after a failure at " << names[k];
      EXPECT_EQ(after.faults, before.faults);
    }
    counter_ = StepCounter{};
    return steps;
  }

  StepCounter counter_;
};

}  // namespace

TEST_F(ChaosInstallerTest, AFailureAtAnyStepOfANewFaultLeavesNothingBehind) {
  const int steps = fail_each_step("tx");
  // maps, fault_cfg, then per attachment: device (first only), filter,
  // [fq,] slot list; then the state file.
  EXPECT_GE(steps, 8) << fmt::format("{}", fmt::join(counter_.names, ", "));
  EXPECT_TRUE(lab_->fs().pins().empty()) << "the maps of a failed first fault are released";
}

TEST_F(ChaosInstallerTest, AFailureBesideARunningFaultLeavesItAsItWas) {
  // The running fault holds the attachments the new one would share, so
  // the steps that undo are the slot lists written over existing entries.
  auto first = spec("running");
  first.filter.protocol = 6;  // tcp: disjoint from the second (udp), so two delays compose
  auto added = engine_->add(first);
  ASSERT_TRUE(added) << added.error().message();
  const std::string with_first = lab_->a_state();
  const int steps = fail_each_step("tx");
  EXPECT_GE(steps, 5);
  EXPECT_EQ(lab_->a_state(), with_first);
  auto faults = engine_->list()["faults"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["name"], "running");
  EXPECT_EQ(faults[0]["health"], "ok");
  EXPECT_TRUE(engine_->remove("running"));
}
