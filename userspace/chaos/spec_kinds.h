#pragma once

// The parameters of the fault kinds beyond loss and delay (docs/faults.md):
// each kind reads its own object (`bandwidth: {...}`, `duplicate: {...}`,
// `corrupt: {...}`), writes it back in canonical JSON and encodes it for the
// kernel. Errors are EINVAL and name the field ("bandwidth.rate: ...").

#include <nlohmann/json.hpp>

#include "chaos/fault_spec.h"
#include "common/result.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

// Whether this build implements the kind; parse_action_name refuses the
// others with "not supported yet".
bool action_supported(Action a);

Result<void> parse_bandwidth(const nlohmann::json& params, BandwidthSpec& out);
Result<void> parse_duplicate(const nlohmann::json& params, DuplicateSpec& out);
Result<void> parse_corrupt(const nlohmann::json& params, CorruptSpec& out);

// The canonical JSON of the kind's parameters (to_json), accepted back.
nlohmann::json bandwidth_json(const BandwidthSpec& spec);
nlohmann::json duplicate_json(const DuplicateSpec& spec);
nlohmann::json corrupt_json(const CorruptSpec& spec);

// Fills the kind's fields of the kernel's fault_cfg (action included).
void encode_bandwidth(const BandwidthSpec& spec, fault_cfg& cfg);
void encode_duplicate(const DuplicateSpec& spec, fault_cfg& cfg);
void encode_corrupt(const CorruptSpec& spec, fault_cfg& cfg);

// delay.reorder (spec_reorder.cpp): `true|false` is the old meaning (jitter
// may reorder a flow: DelaySpec::jitter_reorders), an object
// {percent, correlation, gap, jitter} netem's reorder (plus the old meaning
// as `jitter`). Errors name "delay.reorder…".
Result<void> parse_delay_reorder(const nlohmann::json& value, DelaySpec& out);
// The canonical form: the bool when no netem reorder is asked (as state
// files written before it hold), else the object.
nlohmann::json delay_reorder_json(const DelaySpec& spec);
// reorder_enter/leave/gap (gap 1 when a percent is given with gap 0, as
// iproute2 defaults it; 0 when no reordering).
void encode_reorder(const ReorderSpec& spec, fault_cfg& cfg);

}  // namespace seismo::chaos
