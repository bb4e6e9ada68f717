#include "metrics/build_info.h"

#include <bpf/libbpf.h>

#include <fmt/format.h>

namespace seismo::metrics {

std::string libbpf_version_string() {
  return fmt::format("{}.{}", libbpf_major_version(), libbpf_minor_version());
}

}  // namespace seismo::metrics
