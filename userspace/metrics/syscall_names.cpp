#include "metrics/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>

namespace seismo::metrics {

SyscallNames::SyscallNames() {
  names_.reserve(kMaxNr);
  for (uint32_t nr = 0; nr < kMaxNr; ++nr) {
    char* n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, static_cast<int>(nr));
    names_.push_back(n ? std::string(n) : "syscall_" + std::to_string(nr));
    std::free(n);
  }
}

const std::string& SyscallNames::name(uint32_t nr) const {
  // sys_exit of rt_sigreturn sees orig_ax == -1 (count mode cannot recover it).
  static const std::string unknown = "unknown";
  if (nr == UINT32_MAX) return unknown;
  return nr < kMaxNr ? names_[nr] : invalid_;
}

}  // namespace seismo::metrics
