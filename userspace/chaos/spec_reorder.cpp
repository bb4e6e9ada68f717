// netem's reorder within a delay (docs/faults.md, Reorder): what
// delay.reorder holds, its canonical JSON and its kernel encoding.
#include <cmath>

#include <fmt/format.h>

#include "chaos/fault_encoding.h"
#include "chaos/spec_fields.h"
#include "chaos/spec_kinds.h"

namespace seismo::chaos {

using nlohmann::json;

Result<void> parse_delay_reorder(const json& value, DelaySpec& out) {
  if (value.is_boolean()) {  // the old meaning, kept: state files hold it
    out.jitter_reorders = value.get<bool>();
    return {};
  }
  if (!value.is_object())
    return invalid_field("delay.reorder", "must be true, false or an object {percent, correlation, gap}");
  if (auto r = only_known_keys(value, "delay.reorder", {"percent", "correlation", "gap", "jitter"}); !r)
    return fail(std::move(r).error());
  auto pct = percent_field(value, "percent", "delay.reorder.percent", true, 100, true);
  if (!pct) return fail(std::move(pct).error());
  auto corr = percent_field(value, "correlation", "delay.reorder.correlation", false, 100, false);
  if (!corr) return fail(std::move(corr).error());
  uint32_t gap = 0;
  if (auto it = value.find("gap"); it != value.end()) {
    auto g = number_value(*it, "delay.reorder.gap", false);
    if (!g) return fail(std::move(g).error());
    if (*g < 0 || *g != std::floor(*g) || *g > kMaxReorderGap)
      return invalid_field("delay.reorder.gap",
                           fmt::format("{} is not a whole number 0..{}", show_json(*it), kMaxReorderGap));
    gap = static_cast<uint32_t>(*g);
  }
  if (gap > 0 && *pct == 0)
    return invalid_field("delay.reorder.gap", "given without a reorder percent (as tc-netem refuses it)");
  if (auto it = value.find("jitter"); it != value.end()) {
    if (!it->is_boolean()) return invalid_field("delay.reorder.jitter", "must be true or false");
    out.jitter_reorders = it->get<bool>();
  }
  out.reorder = ReorderSpec{*pct, *corr, gap};
  return {};
}

json delay_reorder_json(const DelaySpec& spec) {
  if (spec.reorder.percent == 0) return spec.jitter_reorders;
  json out = {{"percent", spec.reorder.percent},
              {"correlation", spec.reorder.correlation},
              {"gap", spec.reorder.gap == 0 ? 1 : spec.reorder.gap}};
  if (spec.jitter_reorders) out["jitter"] = true;
  return out;
}

void encode_reorder(const ReorderSpec& spec, fault_cfg& cfg) {
  if (!(spec.percent > 0)) return;  // gap 0: the kernel never sends a packet at once
  auto g = gilbert_params(spec.percent, spec.correlation);
  cfg.reorder_enter = to_kernel_probability(g.enter);
  cfg.reorder_leave = to_kernel_probability(g.leave);
  cfg.reorder_gap = spec.gap == 0 ? 1 : spec.gap;
}

}  // namespace seismo::chaos
