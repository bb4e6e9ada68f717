#pragma once

#include <string>

namespace seismo::metrics {

std::string build_version();
std::string libbpf_version_string();

}  // namespace seismo::metrics
