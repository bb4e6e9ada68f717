#include "chaos/loaded_programs.h"

#include <bpf/bpf.h>

#include <algorithm>

#include "common/unique_fd.h"

namespace seismo::chaos {

std::vector<LoadedProgram> loaded_programs() {
  std::vector<LoadedProgram> out;
  for (uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) continue;
    std::vector<uint32_t> map_ids(kMaxListedMaps);
    bpf_prog_info info{};
    info.nr_map_ids = kMaxListedMaps;
    info.map_ids = reinterpret_cast<uintptr_t>(map_ids.data());
    uint32_t len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    map_ids.resize(std::min(info.nr_map_ids, kMaxListedMaps));
    out.push_back({id, info.type, info.name, std::move(map_ids)});
  }
  return out;
}

}  // namespace seismo::chaos
