#pragma once

// The prefix type lives in common/ (the NetworkFault resource in crd/ checks
// externalTargets with it, and crd may not include chaos); the engine keeps
// its name.
#include "common/cidr.h"

namespace seismo::chaos {
using seismo::Cidr;
}  // namespace seismo::chaos
