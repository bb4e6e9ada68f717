#pragma once

#include <string>

namespace seismo {

// seismo's version (the CMake project version), for --version, status and
// seismo_build_info; the CLI and the daemon share it.
std::string build_version();

}  // namespace seismo
