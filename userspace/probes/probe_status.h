#pragma once

#include <string>

namespace seismo::probes {

// What `seismo status`, `seismo doctor` and seismo_probe_attached report.
struct ProbeStatus {
  std::string name;    // "syscalls", "exec"
  bool attached = false;
  std::string hook;    // "tp_btf", "raw_tp", or "" when nothing attached
  std::string reason;  // why it is not attached, or why it fell back
};

}  // namespace seismo::probes
