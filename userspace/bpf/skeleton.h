#pragma once

#include <cerrno>
#include <functional>
#include <memory>
#include <string>

#include <bpf/libbpf.h>

#include "common/result.h"

namespace seismo::bpf {

// Opens a bpftool-generated skeleton, lets the caller configure it (rodata,
// map sizes, autoload), and loads it. The skeleton is owned by `Ptr` (a
// unique_ptr whose deleter calls <name>_bpf__destroy) from the first moment,
// so every error path frees it. Attaching is left to the probe: each link is
// owned separately, so a probe can report which program failed.
template <class Ptr>
Result<Ptr> open_and_load(typename Ptr::pointer (*open)(const bpf_object_open_opts*),
                          int (*load)(typename Ptr::pointer),
                          const std::function<Result<void>(typename Ptr::pointer)>& configure,
                          const std::string& what) {
  Ptr skel(open(nullptr));
  if (!skel) return fail_errno(errno ? errno : ENOMEM, "open " + what + " BPF object");
  if (configure) {
    if (auto r = configure(skel.get()); !r) return fail(std::move(r).error().wrap("configure " + what));
  }
  if (int err = load(skel.get()); err != 0)
    return fail_errno(err, "load " + what + " BPF programs (verifier log at --log-level debug)");
  return skel;
}

}  // namespace seismo::bpf
