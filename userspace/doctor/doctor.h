#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seismo::doctor {

enum class Verdict { ok, warn, fail };

// One line of `seismo doctor`: what was checked, what was found, how to fix.
struct Finding {
  std::string area;    // "kernel", "capabilities", "filesystems", "program types", "map types", "qdiscs"
  std::string name;    // "BTF", "CAP_BPF", "cgroup2", "tracing (tp_btf)", "fq"
  Verdict verdict = Verdict::ok;
  std::string detail;  // what was found
  std::string fix;     // how to fix, when not ok
  std::string needed_for;  // which seismo feature depends on it
};

const char* verdict_name(Verdict v);

// Runs every check. Needs no daemon; probes are harmless (programs and
// maps are loaded and freed at once; qdiscs are tried on a private netns's
// loopback in a child process).
std::vector<Finding> run_checks();

nlohmann::json to_json(const std::vector<Finding>& findings);

// Individual probes, exposed for the daemon's status and for tests.
bool has_btf();
// Effective capability bit (from /proc/self/status CapEff).
bool has_capability(int cap);
// Tries to create `kind` as the root qdisc of lo in a throwaway netns.
// Returns 0 when it works, else the errno (EOPNOTSUPP/ENOENT: not built).
int probe_qdisc(const std::string& kind);

}  // namespace seismo::doctor
