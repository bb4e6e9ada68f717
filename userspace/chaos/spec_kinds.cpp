// Which kinds this build implements (all of them now; a kind added later
// stays refused here until its parser, encoder and BPF side are in). The
// kinds' own parse/json/encode functions live in their files, named below.
#include "chaos/spec_kinds.h"

#include "chaos/spec_fields.h"

namespace seismo::chaos {

using nlohmann::json;

bool action_supported(Action a) {
  switch (a) {
    case Action::loss:
    case Action::delay:
    case Action::bandwidth:
    case Action::duplicate:
    case Action::corrupt:
    case Action::partition: return true;
  }
  return false;
}

// bandwidth: spec_bandwidth.cpp; duplicate and corrupt: spec_copy.cpp;
// reorder (within delay): spec_reorder.cpp.

}  // namespace seismo::chaos
