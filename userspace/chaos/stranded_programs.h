#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seismo::chaos {

// The tag a seismod writes into every fault program it loads (rodata
// cfg_instance): a hash of its pin directory, so the same daemon
// configuration recognises its programs after a restart even when the pins
// and the state file are gone. Never 0 (0 is "untagged", older programs).
[[nodiscard]] uint64_t instance_tag(std::string_view pin_dir);

// Bound on the file descriptors of other processes looked at to tell a
// stranded program from a live daemon's (a node has a few 100k at most).
inline constexpr size_t kMaxScannedFds = 1'000'000;

struct StrandedScan {
  std::vector<uint32_t> programs;  // ids of stranded fault programs
  std::string error;               // why the scan stopped short, if it did
};

// Fault programs loaded from `pin_dir`'s configuration (our instance tag)
// whose maps are not ours (`own_cfg_map_id`, 0 when none are loaded) and are
// held by no process: a previous daemon's, whose pins were lost (bpffs
// remounted or removed). A live daemon with the same pin path in another
// bpffs holds its maps open and is never counted. When the scan of open
// descriptors cannot finish, nothing is counted (never remove a live
// daemon's filter on a guess).
[[nodiscard]] StrandedScan find_stranded_programs(const std::string& pin_dir, uint32_t own_cfg_map_id,
                                                  size_t max_fds = kMaxScannedFds);

}  // namespace seismo::chaos
