#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace seismo::testing {

struct RunOutput {
  int exit_code = -1;   // 128+signal when killed
  std::string output;   // stdout + stderr, the first MiB
  bool timed_out = false;
};

// Runs argv (argv[0] a path) to completion with stdin from /dev/null and
// stdout + stderr captured; as uid/gid when uid is not 0 (a client that is
// not root, for the control socket's SO_PEERCRED checks; exit 125 when the
// switch fails). Killed (SIGKILL) at the deadline, with timed_out set.
RunOutput run_as(std::vector<std::string> argv, uid_t uid = 0, gid_t gid = 0,
                 std::chrono::seconds deadline = std::chrono::seconds(30));

}  // namespace seismo::testing
