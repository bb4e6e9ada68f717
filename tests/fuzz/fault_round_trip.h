#pragma once

#include "chaos/fault_spec.h"
#include "fuzz_check.h"

namespace seismo::fuzz {

// A fault that parses has a canonical form (to_json) that parses back to
// the same fault; its filter matches some packet, so it overlaps itself.
inline void check_fault_round_trip(const nlohmann::json& doc) {
  auto spec = chaos::parse_fault_spec(doc);
  if (!spec) {
    check(spec.error().code == EINVAL, "a rejected fault is EINVAL: " + spec.error().message());
    check(!spec.error().message().empty(), "a rejected fault says why");
    return;
  }
  nlohmann::json canon = chaos::to_json(*spec);
  auto again = chaos::parse_fault_spec(canon);
  check(static_cast<bool>(again), "canonical form " + show(canon) + " rejected: " +
                                      (again ? std::string() : again.error().message()));
  check(chaos::to_json(*again) == canon, "canonical form " + show(canon) + " is not stable: " +
                                             show(chaos::to_json(*again)));
  check(again->guard == spec->guard, "canonical form " + show(canon) + " changes the guard");
  check(chaos::filters_overlap(spec->filter, spec->filter), "filter " + show(canon) + " does not overlap itself");
}

}  // namespace seismo::fuzz
