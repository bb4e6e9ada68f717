// seismo doctor against the real kernel: probes that can tell yes from no.
#include "doctor/doctor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <set>

using namespace seismo::doctor;

TEST(Doctor, QdiscProbeTellsAnExistingKindFromAnUnknownOne) {
  if (geteuid() != 0) GTEST_SKIP() << "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (netns)";
  EXPECT_NE(probe_qdisc("seismo-no-such-qdisc"), 0);
  EXPECT_EQ(probe_qdisc("pfifo"), 0) << "pfifo is built into every kernel";
}

TEST(Doctor, ReportsEveryAreaWithAVerdictAndFixes) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  auto findings = run_checks();
  std::set<std::string> areas;
  for (const auto& f : findings) {
    areas.insert(f.area);
    EXPECT_FALSE(f.detail.empty()) << f.name;
    if (f.verdict != Verdict::ok) EXPECT_FALSE(f.fix.empty()) << f.name << " is not ok but has no fix";
  }
  for (const char* a : {"kernel", "capabilities", "filesystems", "program types", "attach", "map types", "qdiscs"})
    EXPECT_TRUE(areas.count(a)) << a;
  // What the daemon itself needs must agree with what the daemon does: it
  // runs here, so BTF and a syscall hook flavour must be ok.
  for (const auto& f : findings) {
    if (f.name == "BTF" || f.name == "raw_tracepoint") EXPECT_EQ(f.verdict, Verdict::ok) << f.detail;
  }
}

TEST(Doctor, CliPrintsJsonWithoutADaemon) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string cmd = std::string(SEISMO_CLI_PATH) + " --socket /nonexistent/seismo.sock doctor -o json";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int status = pclose(p);
  auto doc = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(doc.is_array()) << out;
  for (const auto& f : doc) EXPECT_TRUE(f["verdict"] == "ok" || f["verdict"] == "warn" || f["verdict"] == "FAIL");
  bool any_fail = false;
  for (const auto& f : doc) any_fail |= f["verdict"] == "FAIL";
  EXPECT_EQ(WEXITSTATUS(status), any_fail ? 1 : 0);
}
