// `seismo convert` as a user runs it: offline, no daemon, no API server.
// Chaos Mesh's own examples (tests/data/chaos-mesh) in, NetworkFault out.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

struct CliOutput {
  int exit_code;
  std::string out;
};

// `input`, when given, is written to a file the shell feeds to stdin.
CliOutput run_convert(const std::string& args, const std::string& input = "") {
  std::string cmd =
      "timeout -k 5 60 " + std::string(SEISMO_CLI_PATH) + " --socket /nonexistent/seismo.sock convert " + args;
  std::string stdin_file;
  if (!input.empty()) {
    char name[] = "/tmp/seismo-convert-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, input.data(), input.size()), static_cast<ssize_t>(input.size()));
    close(fd);
    stdin_file = name;
    cmd += " < " + stdin_file;
  }
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  int status = pclose(p);
  if (!stdin_file.empty()) unlink(stdin_file.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string example(const std::string& name) {
  return std::string(SEISMO_CHAOS_MESH_EXAMPLES) + "/network-" + name + "-example.yaml";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// The socket does not exist: convert must never need seismod.
TEST(CliConvert, ExamplesConvertOfflineAndReadBackUnchanged) {
  for (const char* name :
       {"loss", "delay", "netem", "delay-with-target", "netem-with-target", "partition", "duplicate", "corrupt",
        "bandwidth"}) {
    auto r = run_convert("-f " + example(name));
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.out;
    EXPECT_EQ(r.out.rfind("apiVersion: seismo.dev/v1alpha1\nkind: NetworkFault\n", 0), 0u) << r.out;
    // Strings that look like numbers stay strings, so the output is read
    // back (as a NetworkFault, through stdin) to exactly itself.
    auto again = run_convert("-f -", r.out);
    ASSERT_EQ(again.exit_code, 0) << again.out;
    EXPECT_EQ(again.out, r.out) << name;
  }
}

TEST(CliConvert, UnsupportedExamplesNameTheDocumentAndField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"delay-with-external-target", "document 1: spec.externalTargets[1]: 'www.google.com' is a domain name"},
      {"partition-with-external-targets", "document 1: spec.externalTargets[1]: 'www.google.com' is a domain name"},
  };
  for (const auto& [name, want] : cases) {
    auto r = run_convert("-f " + example(name));
    EXPECT_EQ(r.exit_code, 1) << name;
    // The error starts with the file, then the document and the field.
    EXPECT_EQ(r.out.rfind("seismo: " + example(name) + ": " + want, 0), 0u) << r.out;
  }
}

TEST(CliConvert, SeveralDocumentsYamlAndJson) {
  const std::string text = read_file(example("loss")) + "---\n" + read_file(example("delay"));
  auto yaml = run_convert("-f -", text);
  ASSERT_EQ(yaml.exit_code, 0) << yaml.out;
  EXPECT_NE(yaml.out.find("name: network-loss-example\n"), std::string::npos) << yaml.out;
  EXPECT_NE(yaml.out.find("\n---\napiVersion: seismo.dev/v1alpha1\n"), std::string::npos) << yaml.out;
  auto json = run_convert("-f - -o json", text);
  ASSERT_EQ(json.exit_code, 0) << json.out;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["kind"], "List");
  ASSERT_EQ(doc["items"].size(), 2u);
  EXPECT_EQ(doc["items"][1]["spec"]["delay"]["latency"], "90ms");
  auto one = run_convert("-f " + example("loss") + " -o json");
  ASSERT_EQ(one.exit_code, 0) << one.out;
  EXPECT_EQ(nlohmann::json::parse(one.out)["spec"]["loss"]["loss"], "25");
}

TEST(CliConvert, TheBadDocumentIsNamed) {
  // The second document is refused (a domain name among externalTargets).
  const std::string text = read_file(example("loss")) + "---\n" + read_file(example("delay-with-external-target"));
  auto r = run_convert("-f -", text);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("seismo: stdin: document 2: spec.externalTargets[1]", 0), 0u) << r.out;
  auto missing = run_convert("-f /nonexistent/chaos.yaml");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out.rfind("seismo: cannot read /nonexistent/chaos.yaml: ", 0), 0u) << missing.out;
  auto not_yaml = run_convert("-f -", "a: [unclosed\n");
  EXPECT_EQ(not_yaml.exit_code, 1);
  EXPECT_EQ(not_yaml.out.rfind("seismo: stdin: malformed YAML: line ", 0), 0u) << not_yaml.out;
  auto no_duration = run_convert("-f -",
                                 "apiVersion: chaos-mesh.org/v1alpha1\nkind: NetworkChaos\nmetadata: {name: x}\n"
                                 "spec: {action: loss, mode: all, selector: {}, loss: {loss: '5'}}\n");
  EXPECT_EQ(no_duration.exit_code, 1);
  EXPECT_EQ(no_duration.out.rfind("seismo: stdin: document 1: spec.duration: required here", 0), 0u) << no_duration.out;
}
