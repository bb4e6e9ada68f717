// /proc/<pid>/mountinfo text (a target's mount namespace decides it):
// parse_mountinfo keeps or skips each line, and controller lookup.
#include <algorithm>

#include "cgroup/mountinfo.h"
#include "fuzz_check.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  size_t skipped = 0;
  auto mounts = cgroup::parse_mountinfo(text, &skipped);
  size_t lines = 0;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (end > start) ++lines;
    start = end + 1;
  }
  fuzz::check(mounts.size() + skipped == lines, "every non-empty line is kept or skipped");
  for (const auto& m : mounts) fuzz::check(!m.fs_type.empty(), "a kept line has a filesystem type");
  (void)cgroup::find_cgroup1_controller(mounts, "memory");
  (void)cgroup::find_cgroup1_controller(mounts, "");
  return 0;
}
