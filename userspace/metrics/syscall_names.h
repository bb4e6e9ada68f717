#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seismo::metrics {

// Native-architecture syscall number → name, from libseccomp's tables
// (no hand-written list). Unknown numbers become "syscall_<nr>"; numbers
// outside the plausible range (corrupt input) become "invalid".
class SyscallNames {
 public:
  static constexpr uint32_t kMaxNr = 1024;
  SyscallNames();
  [[nodiscard]] const std::string& name(uint32_t nr) const;

 private:
  std::vector<std::string> names_;
  std::string invalid_ = "invalid";
};

}  // namespace seismo::metrics
