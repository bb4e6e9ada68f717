#include "common/version.h"

namespace seismo {

std::string build_version() { return SEISMO_VERSION; }

}  // namespace seismo
