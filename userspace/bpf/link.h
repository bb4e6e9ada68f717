#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "bpf/libbpf_ptr.h"
#include "common/result.h"

namespace seismo::bpf {

// Attaches a loaded program with its section's default attach type.
inline Result<LinkPtr> attach_program(bpf_program* prog) {
  bpf_link* link = bpf_program__attach(prog);
  if (!link) return fail_errno(errno, std::string("attach ") + bpf_program__name(prog));
  return LinkPtr(link);
}

// Attaches every program of a loaded object that was set to autoload, those
// `first` picks before the rest; on any failure the links made so far are
// destroyed with the vector.
inline Result<std::vector<LinkPtr>> attach_autoloaded(
    bpf_object* obj, const std::string& what, const std::function<bool(bpf_program*)>& first = nullptr) {
  std::vector<bpf_program*> progs;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    if (bpf_program__autoload(prog)) progs.push_back(prog);
  }
  if (first) std::stable_partition(progs.begin(), progs.end(), first);
  std::vector<LinkPtr> links;
  for (bpf_program* p : progs) {
    auto link = attach_program(p);
    if (!link) return fail(std::move(link).error().wrap(what));
    links.push_back(std::move(*link));
  }
  return links;
}

}  // namespace seismo::bpf
