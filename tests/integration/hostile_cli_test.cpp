// Hostile command lines for the seismo CLI against a running seismod: every
// bad argument ends in a non-zero exit (no crash, no hang) and a message that
// names the flag or the field.
#include <fstream>

#include <fmt/format.h>

#include "chaos/fault_spec.h"
#include "hostile_support.h"

using namespace seismo::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct CliCase {
  const char* name;
  std::vector<std::string> args;  // "{ns}" and "{dev}" are the lab's a end
  const char* expect;             // in the output
  friend void PrintTo(const CliCase& c, std::ostream* os) { *os << c.name; }
};

// `count` --cidr flags, distinct /32s in 10/8.
std::vector<std::string> cidr_flags(size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back("--cidr");
    out.push_back(fmt::format("10.{}.{}.1/32", i / 256, i % 256));
  }
  return out;
}

std::vector<std::string> loss(std::vector<std::string> extra, std::string percent = "10%") {
  std::vector<std::string> a = {"fault", "add", "loss", percent, "--netns", "{ns}", "-i", "{dev}", "--duration", "30s"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}
std::vector<std::string> loss_for(std::string duration) {
  return {"fault", "add", "loss", "10%", "--netns", "{ns}", "-i", "{dev}", "--duration", std::move(duration)};
}
std::vector<std::string> delay(std::vector<std::string> extra, std::string latency = "10ms") {
  std::vector<std::string> a = {"fault", "add", "delay", latency, "--netns", "{ns}", "-i", "{dev}", "--duration", "30s"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

const std::string kNotUtf8 = "\xff\xfe\xc3";

std::vector<CliCase> cli_cases() {
  return {
      {"DurationMissing", {"fault", "add", "loss", "10%", "--netns", "{ns}"}, "--duration"},
      {"DurationNoUnit", loss_for("30"), "duration"},
      {"DurationEmpty", loss_for(""), "duration"},
      {"DurationNegative", loss_for("-1s"), "duration"},
      {"DurationHuge", loss_for("99999999999999999999999999h"), "duration"},
      {"DurationOverMax", loss_for("1000000h"), "duration"},
      {"DurationUnknownUnit", loss_for("3d"), "duration"},
      {"DurationNotUtf8", loss_for(kNotUtf8), "duration: not valid UTF-8"},
      {"PercentEmpty", loss({}, ""), "loss.percent"},
      {"PercentWord", loss({}, "lots"), "loss.percent"},
      {"PercentOver", loss({}, "100.5%"), "loss.percent"},
      {"PercentNegative", loss({}, "-5%"), "-5%"},
      {"PercentHuge", loss({}, "1e309"), "loss.percent"},
      {"PercentNan", loss({}, "nan"), "loss.percent"},
      {"PercentNotUtf8", loss({}, kNotUtf8), "loss.percent: not valid UTF-8"},
      {"CorrelationOver", loss({"--correlation", "100"}), "loss.correlation"},
      {"CidrPrefixOver", loss({"--cidr", "10.0.0.0/33"}), "filter.cidrs[0]"},
      {"CidrEmpty", loss({"--cidr", ""}), "filter.cidrs[0]"},
      {"CidrV6PrefixOver", loss({"--cidr", "fe80::/200"}), "filter.cidrs[0]"},
      {"CidrGarbage", loss({"--cidr", "not-an-address"}), "filter.cidrs[0]"},
      {"CidrTooMany", loss(cidr_flags(seismo::chaos::kMaxCidrs + 1)), "filter.cidrs"},
      {"CidrNotUtf8", loss({"--cidr", kNotUtf8}), "filter.cidrs[0]: not valid UTF-8"},
      {"PortZero", loss({"--port", "0"}), "filter.ports[0]"},
      {"PortNegative", loss({"--port", "-1"}), "-1"},
      {"PortOver", loss({"--port", "70000"}), "filter.ports[0]"},
      {"PortRangeOpen", loss({"--port", "80-"}), "filter.ports[0]"},
      {"PortRangeThree", loss({"--port", "1-2-3"}), "filter.ports[0]"},
      {"ProtocolUnknown", loss({"--protocol", "sctp"}), "filter.protocol"},
      {"DirectionUnknown", loss({"--direction", "sideways"}), "direction"},
      {"PidNegative", {"fault", "add", "loss", "10%", "--pid", "-1", "--duration", "30s"}, "pid"},
      {"PidOverInt", {"fault", "add", "loss", "10%", "--pid", "99999999999", "--duration", "30s"}, "--pid"},
      {"PidWord", {"fault", "add", "loss", "10%", "--pid", "init", "--duration", "30s"}, "--pid"},
      {"NameTooLong", loss({"--name", std::string(200, 'n')}), "name"},
      {"NameSpaces", loss({"--name", "two words"}), "name"},
      {"NameNotUtf8", loss({"--name", kNotUtf8}), "name: not valid UTF-8"},
      {"NetnsMissing", {"fault", "add", "loss", "10%", "--netns", "smc-none", "--duration", "30s"}, "target.netns"},
      {"NetnsPath", {"fault", "add", "loss", "10%", "--netns", "/proc/1/ns/net", "--duration", "30s"}, "target.netns"},
      {"NetnsNotUtf8", {"fault", "add", "loss", "10%", "--netns", kNotUtf8, "--duration", "30s"}, "target.netns: not valid UTF-8"},
      {"InterfaceTooLong",
       {"fault", "add", "loss", "10%", "--netns", "{ns}", "-i", std::string(40, 'i'), "--duration", "30s"},
       "target.interface"},
      {"TwoTargets", loss({"--pid", "1"}), "target"},
      {"ModeFixedText", loss({"--mode", "fixed:many"}), "value"},
      {"ModeFixedEmpty", loss({"--mode", "fixed:"}), "value"},
      {"ModeUnknown", loss({"--mode", "random-max-percent:50"}), "mode"},
      {"SelectorSyntax", {"fault", "add", "loss", "10%", "-l", "app in ((", "--duration", "30s"},
       "selector.labelSelectors"},
      {"PodWithoutNamespace", {"fault", "add", "loss", "10%", "--pod", "web-0", "--duration", "30s"}, "-n"},
      {"PodBadName", {"fault", "add", "loss", "10%", "-n", "default", "--pod", "Web_0", "--duration", "30s"},
       "selector.pods"},
      {"DelayWord", delay({}, "slow"), "delay.latency"},
      {"DelayJitterOver", delay({"--jitter", "1h"}), "delay.jitter"},
      {"DelayCorrelationOver", delay({"--correlation", "100"}), "delay.correlation"},
      {"RmUnknown", {"fault", "rm", "smc-never-added"}, "smc-never-added"},
      {"RmBadName", {"fault", "rm", "Bad/Name"}, "name"},
      {"OutputUnknown", {"-o", "xml", "status"}, "--output"},
      {"TopIntervalZero", {"top", "-i", "0"}, "--interval"},
      {"TopIntervalHuge", {"top", "-i", "1e308"}, "--interval"},
      {"TopLimitZero", {"top", "--limit", "0"}, "--limit"},
      {"TopLimitHuge", {"top", "--limit", "99999999999999999999999"}, "--limit"},
      {"TopIterationsNegative", {"top", "--iterations", "-1"}, "--iterations"},
      {"TopNamespaceWithoutPods", {"top", "-n", "default", "--iterations", "1"}, "namespace"},
      {"TraceRelativeCgroup", {"trace", "exec", "--cgroup", "kubepods", "--count", "1"}, "cgroup"},
      {"TraceCountWord", {"trace", "exec", "--count", "many"}, "--count"},
      {"UnknownSubcommand", {"fault", "explode"}, "explode"},
      {"UnknownFlag", loss({"--frobnicate"}), "--frobnicate"},
      {"ApplyMissingFile", {"apply", "-f", "/nonexistent/smc.yaml"}, "/nonexistent/smc.yaml"},
      {"ApplyDirectory", {"apply", "-f", "/etc"}, "/etc"},
      {"ApplyEndlessFile", {"apply", "-f", "/dev/zero"}, "limit"},
  };
}

class HostileCli : public HostileTest, public ::testing::WithParamInterface<CliCase> {};

TEST_P(HostileCli, RefusedNamingTheFlagOrField) {
  const CliCase& c = GetParam();
  std::vector<std::string> args = c.args;
  for (auto& a : args) {
    if (a == "{ns}") a = this->a().name();
    if (a == "{dev}") a = a_dev();
  }
  CliResult r = cli(args);
  EXPECT_FALSE(r.timed_out) << "the CLI hung";
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_LT(r.exit_code, 128) << "the CLI was killed by a signal: " << r.output;
  EXPECT_NE(r.output.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << r.output;
  EXPECT_EQ(r.output.find("json.exception"), std::string::npos) << "a library exception leaked: " << r.output;
}

INSTANTIATE_TEST_SUITE_P(Cli, HostileCli, ::testing::ValuesIn(cli_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

using HostileCliSocket = HostileTest;

TEST_F(HostileCliSocket, SocketPathTooLongIsNamed) {
  CliResult r = run_cli(std::string(200, 's'), {"status"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128);
  EXPECT_NE(r.output.find("control socket path"), std::string::npos) << r.output;
}

TEST_F(HostileCliSocket, NoDaemonAtSocketSaysSo) {
  CliResult r = run_cli("/tmp/smc-no-such.sock", {"fault", "ls"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("is seismod running"), std::string::npos) << r.output;
}

TEST_F(HostileCliSocket, SocketPathIsARegularFile) {
  std::string path = lab().fs().dir() + "/not-a-socket";
  std::ofstream(path) << "x";
  CliResult r = run_cli(path, {"status"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128);
  EXPECT_NE(r.output.find(path), std::string::npos) << r.output;
}

}  // namespace
