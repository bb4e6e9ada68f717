#pragma once

// The duration parser lives in common/ (the NetworkFault resource in crd/
// reads durations too, and crd may not include chaos); the engine keeps
// its names.
#include "common/duration.h"

namespace seismo::chaos {
using seismo::format_duration;
using seismo::parse_duration_ns;
}  // namespace seismo::chaos
