// Issue 15's kinds. Each is refused by action_supported until its parser,
// encoder and BPF side (bpf/lib/fault_bandwidth.bpf.h, fault_copy.bpf.h)
// are in; the functions below are the places they go. bandwidth's are in
// spec_bandwidth.cpp.
#include "chaos/spec_kinds.h"

#include "chaos/spec_fields.h"

namespace seismo::chaos {

using nlohmann::json;

bool action_supported(Action a) {
  switch (a) {
    case Action::loss:
    case Action::delay: return true;
    case Action::bandwidth: return true;
    case Action::duplicate:
    case Action::corrupt:
    case Action::partition: return false;
  }
  return false;
}

Result<void> parse_duplicate(const json&, DuplicateSpec&) { return invalid_field("duplicate", "not supported yet"); }
Result<void> parse_corrupt(const json&, CorruptSpec&) { return invalid_field("corrupt", "not supported yet"); }

json duplicate_json(const DuplicateSpec&) { return json::object(); }
json corrupt_json(const CorruptSpec&) { return json::object(); }

void encode_duplicate(const DuplicateSpec&, fault_cfg& cfg) { cfg.action = SEISMO_FAULT_DUPLICATE; }
void encode_corrupt(const CorruptSpec&, fault_cfg& cfg) { cfg.action = SEISMO_FAULT_CORRUPT; }

}  // namespace seismo::chaos
