// Decoding oom.bpf.c's ring buffer records (no kernel needed).
#include "probes/oom.h"

#include <gtest/gtest.h>

#include <cstring>

#include "seismo/oom.h"

using namespace seismo;
using namespace seismo::probes;

TEST(OomEventDecode, CarriesTheVictimsIdentityAndMemory) {
  oom_event e{};
  e.hdr = {SEISMO_EVENT_VERSION, SEISMO_EVENT_OOM_KILL, sizeof(e)};
  e.cgroup_id = 77;
  e.pid = 1234;
  e.tid = 1235;
  e.uid = 1000;
  e.trigger_pid = 999;
  e.oom_score_adj = -500;
  std::memcpy(e.comm, "sixteen-chars-xx", 16);  // not NUL-terminated: bounded
  e.anon_rss_kb = 65536;
  auto ev = decode_oom_event(&e, sizeof(e));
  ASSERT_TRUE(ev) << ev.error().message();
  EXPECT_EQ(ev->cgroup_id, 77u);
  EXPECT_EQ(ev->pid, 1234u);
  EXPECT_EQ(ev->trigger_pid, 999u);
  EXPECT_EQ(ev->oom_score_adj, -500);
  EXPECT_EQ(ev->comm, "sixteen-chars-xx");
  EXPECT_EQ(ev->anon_rss_kb, 65536u);
}

TEST(OomEventDecode, RejectsWrongSizeOrKind) {
  oom_event e{};
  e.hdr = {SEISMO_EVENT_VERSION, SEISMO_EVENT_TCP_RETRANSMIT, sizeof(e)};
  EXPECT_FALSE(decode_oom_event(&e, sizeof(e)));
  e.hdr.kind = SEISMO_EVENT_OOM_KILL;
  EXPECT_FALSE(decode_oom_event(&e, 8));
  EXPECT_TRUE(decode_oom_event(&e, sizeof(e)));
}
