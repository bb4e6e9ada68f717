#pragma once

#include <string>

namespace seismo::metrics {

// "1.5": the libbpf this build links, a label of seismo_build_info.
std::string libbpf_version_string();

}  // namespace seismo::metrics
