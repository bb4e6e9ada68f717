#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "chaos/engine_state.h"

using namespace seismo::chaos;

namespace {
std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(getpid()))).string();
}
}  // namespace

TEST(EngineState, RoundTripsFaultsAndDevices) {
  EngineState st;
  st.boot_id = "b00t";
  st.next_generation = 42;
  st.faults.push_back({{{"name", "x"}}, {3, 41, 123456789, 1700000000000, {2, 5}, {"eth0 egress (netns a)"}, {}, {}}});
  DeviceRecord d;
  d.key = {4026532000, 4, 7};
  d.netns_path = "/run/netns/a";
  d.ifname = "eth0";
  d.clsact_created = true;
  d.fq_installed = true;
  d.previous_root = seismo::net::Qdisc{"tbf", 0x81230000, 0xffffffff, {0x01, 0xab, 0x00, 0xff}};
  d.attachments = {{2, seismo::net::TcHook::egress, false}, {5, seismo::net::TcHook::ingress, true}};
  st.devices.push_back(d);
  const auto path = temp_path("seismo-state-");
  ASSERT_TRUE(save_engine_state(path, st));
  auto loaded = load_engine_state(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_TRUE(*loaded);
  const auto& l = **loaded;
  EXPECT_EQ(l.boot_id, "b00t");
  EXPECT_EQ(l.next_generation, 42u);
  ASSERT_EQ(l.faults.size(), 1u);
  EXPECT_EQ(l.faults[0].placement.slot, 3u);
  EXPECT_EQ(l.faults[0].placement.attach_ids, (std::vector<uint32_t>{2, 5}));
  ASSERT_EQ(l.devices.size(), 1u);
  EXPECT_EQ(l.devices[0].key, d.key);
  ASSERT_TRUE(l.devices[0].previous_root);
  EXPECT_EQ(l.devices[0].previous_root->options, d.previous_root->options);
  EXPECT_EQ(l.devices[0].previous_root->handle, 0x81230000u);
  ASSERT_EQ(l.devices[0].attachments.size(), 2u);
  EXPECT_EQ(l.devices[0].attachments[1].hook, seismo::net::TcHook::ingress);
  EXPECT_TRUE(l.devices[0].attachments[1].peer_is_src);
}

TEST(EngineState, MissingFileIsNoStateCorruptFileIsAnError) {
  auto none = load_engine_state(temp_path("seismo-none-"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  const auto path = temp_path("seismo-bad-");
  std::ofstream(path) << "{not json";
  auto bad = load_engine_state(path);
  std::ofstream(path) << R"({"version": 99})";
  auto version = load_engine_state(path);
  std::filesystem::remove(path);
  EXPECT_FALSE(bad);
  EXPECT_FALSE(version);
}

// Pod faults persist which pod each attachment serves, so a restarted
// daemon can still drop a pod that goes away; files written before that
// field existed still load.
TEST(EngineState, RoundTripsPodOwnersAndLoadsFilesWithoutThem) {
  EngineState st;
  st.boot_id = "b00t";
  FaultRecord r;
  r.spec = {{"name", "p"}};
  r.placement.attach_ids = {1, 4};
  r.placement.endpoints = {"eth0 egress (pod shop/web-1)", "eth0 egress (pod shop/web-2)"};
  r.placement.owner_of_attach = {{1, "uid-1"}, {4, "uid-2"}};
  r.placement.owner_names = {{"uid-1", "shop/web-1"}, {"uid-2", "shop/web-2"}};
  r.placement.owner_netns = {{"uid-1", 4026532315}, {"uid-2", 4026532386}};
  st.faults.push_back(r);
  const auto path = temp_path("seismo-state-owners-");
  ASSERT_TRUE(save_engine_state(path, st));
  auto loaded = load_engine_state(path);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((**loaded).faults.at(0).placement.owner_of_attach, r.placement.owner_of_attach);
  EXPECT_EQ((**loaded).faults.at(0).placement.owner_names, r.placement.owner_names);
  EXPECT_EQ((**loaded).faults.at(0).placement.owner_netns, r.placement.owner_netns);

  // An older file: the same without the owner fields.
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto doc = nlohmann::json::parse(text);
  doc["faults"][0].erase("owner_of_attach");
  doc["faults"][0].erase("owner_names");
  doc["faults"][0].erase("owner_netns");
  std::ofstream(path) << doc.dump();
  auto old = load_engine_state(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(old && *old) << (old ? "" : old.error().message());
  EXPECT_TRUE((**old).faults.at(0).placement.owner_of_attach.empty());
  EXPECT_TRUE((**old).faults.at(0).placement.owner_netns.empty());
}
