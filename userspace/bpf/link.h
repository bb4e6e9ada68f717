#pragma once

#include <string>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"

namespace seismo::bpf {

// Attaches a loaded program with its section's default attach type.
inline Result<LinkPtr> attach_program(bpf_program* prog) {
  bpf_link* link = bpf_program__attach(prog);
  if (!link) return fail_errno(errno, std::string("attach ") + bpf_program__name(prog));
  return LinkPtr(link);
}

}  // namespace seismo::bpf
