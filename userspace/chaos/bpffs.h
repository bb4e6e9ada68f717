#pragma once

#include <string>

#include "common/result.h"

namespace seismo::chaos {

// Makes sure `mount_point` is a BPF filesystem: detects it (statfs magic),
// and mounts one there when it is not (creating the directory). Returns true
// when it mounted one now.
Result<bool> ensure_bpffs(const std::string& mount_point);
bool is_bpffs(const std::string& path);

}  // namespace seismo::chaos
