#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seismo::chaos {

// A BPF program loaded in the kernel now, as bpf_prog_get_info_by_fd tells it.
struct LoadedProgram {
  uint32_t id = 0;
  uint32_t type = 0;                // enum bpf_prog_type
  std::string name;                 // at most 15 characters
  std::vector<uint32_t> map_ids;    // the first kMaxListedMaps it uses
};

inline constexpr uint32_t kMaxListedMaps = 64;

// Every program loaded now (those that vanish while listed are skipped).
[[nodiscard]] std::vector<LoadedProgram> loaded_programs();

}  // namespace seismo::chaos
