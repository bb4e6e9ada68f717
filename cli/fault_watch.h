#pragma once

#include <string>

#include "context.h"

namespace seismo::cli {

// `seismo fault add … --watch`: prints the fault's live counters and guard
// once a second until the guard aborts it, it ends (duration or removal) or
// Ctrl-C; then returns. Throws CommandFailed when seismod cannot be asked.
void watch_fault(const Context& ctx, const std::string& name);

}  // namespace seismo::cli
