#include "metrics/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>

#include "seismo/syscalls.h"

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
  // The kernel folds numbers it cannot key (the -1 rt_sigreturn leaves in
  // orig_ax for count mode, x32 calls, garbage) into one row.
  static const std::string unknown = "unknown";
  if (nr == SEISMO_SYSCALL_NR_OTHER || nr == UINT32_MAX) return unknown;
  return nr < kMaxNr ? names_[nr] : invalid_;
}

}  // namespace seismo::metrics
