// Issue 15's kinds. Each is refused by action_supported until its parser,
// encoder and BPF side (bpf/lib/fault_bandwidth.bpf.h, fault_copy.bpf.h)
// are in; the functions below are the places they go.
#include "chaos/spec_kinds.h"

#include "chaos/spec_fields.h"

namespace seismo::chaos {

using nlohmann::json;

bool action_supported(Action a) {
  switch (a) {
    case Action::loss:
    case Action::delay:
    case Action::duplicate:
    case Action::corrupt:
    case Action::partition: return true;
    case Action::bandwidth: return false;
  }
  return false;
}

Result<void> parse_bandwidth(const json&, BandwidthSpec&) { return invalid_field("bandwidth", "not supported yet"); }

json bandwidth_json(const BandwidthSpec&) { return json::object(); }

void encode_bandwidth(const BandwidthSpec&, fault_cfg& cfg) { cfg.action = SEISMO_FAULT_BANDWIDTH; }
// duplicate and corrupt: spec_copy.cpp

}  // namespace seismo::chaos
