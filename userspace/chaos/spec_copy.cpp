// duplicate and corrupt (docs/faults.md, Duplicate / Corrupt): which packets,
// picked by the Gilbert chain loss uses (percent, correlation), so the JSON,
// the CLI and the kernel encoding are loss's with another key.
#include <string>

#include "chaos/fault_encoding.h"
#include "chaos/spec_fields.h"
#include "chaos/spec_kinds.h"

namespace seismo::chaos {
namespace {

using nlohmann::json;

// {percent (required, 0..100), correlation (0..<100)} under `key`.
Result<void> parse_pick(const json& p, const std::string& key, double& percent, double& correlation) {
  if (auto r = only_known_keys(p, key, {"percent", "correlation"}); !r) return fail(std::move(r).error());
  auto pct = percent_field(p, "percent", key + ".percent", true, 100, true);
  if (!pct) return fail(std::move(pct).error());
  auto corr = percent_field(p, "correlation", key + ".correlation", false, 100, false);
  if (!corr) return fail(std::move(corr).error());
  percent = *pct;
  correlation = *corr;
  return {};
}

void encode_pick(double percent, double correlation, fault_cfg& cfg) {
  auto g = gilbert_params(percent, correlation);
  cfg.loss_enter = to_kernel_probability(g.enter);
  cfg.loss_leave = to_kernel_probability(g.leave);
}

}  // namespace

Result<void> parse_duplicate(const json& params, DuplicateSpec& out) {
  return parse_pick(params, "duplicate", out.percent, out.correlation);
}

Result<void> parse_corrupt(const json& params, CorruptSpec& out) {
  return parse_pick(params, "corrupt", out.percent, out.correlation);
}

json duplicate_json(const DuplicateSpec& spec) {
  return {{"percent", spec.percent}, {"correlation", spec.correlation}};
}

json corrupt_json(const CorruptSpec& spec) { return {{"percent", spec.percent}, {"correlation", spec.correlation}}; }

void encode_duplicate(const DuplicateSpec& spec, fault_cfg& cfg) {
  cfg.action = SEISMO_FAULT_DUPLICATE;
  encode_pick(spec.percent, spec.correlation, cfg);
}

void encode_corrupt(const CorruptSpec& spec, fault_cfg& cfg) {
  cfg.action = SEISMO_FAULT_CORRUPT;
  encode_pick(spec.percent, spec.correlation, cfg);
}

}  // namespace seismo::chaos
