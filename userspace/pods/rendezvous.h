#pragma once

// Coordinator-free agreement on which pods an experiment hits: every node
// ranks the same candidates by the same hash and takes the same prefix
// (rendezvous, or highest-random-weight, hashing). The hash is part of the
// contract between seismod versions on one cluster (docs/cluster.md):
// weight(key, uid) = splitmix64(fnv1a64(key + '\0' + uid)), ranked by weight
// descending, ties by uid ascending. fnv1a64 is 64-bit FNV-1a; splitmix64(x)
// is splitmix64's first output from state x (x + 0x9e3779b97f4a7c15, then
// the 30/27/31 xor-shift-multiply rounds), so splitmix64(0) = 0xe220a8397b1dcdaf.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pods/pod.h"

namespace seismo::pods {

[[nodiscard]] uint64_t rendezvous_weight(std::string_view key, std::string_view pod_uid);

// The candidates in rendezvous order for `key` (a fault's UID, or its seed).
[[nodiscard]] std::vector<Pod> rendezvous_order(std::string_view key, std::vector<Pod> candidates);

// Chaos Mesh's modes, with `value` as Chaos Mesh writes it (a string).
enum class PickMode { one, all, fixed, fixed_percent, random_max_percent };
[[nodiscard]] Result<PickMode> parse_pick_mode(std::string_view text);  // "one", "all", "fixed", ...
[[nodiscard]] const char* pick_mode_name(PickMode mode);
// Checks `value` for the mode: fixed an integer ≥ 1, the percents 0 < p ≤ 100,
// one/all no value. Errors name `field`.
[[nodiscard]] Result<void> check_pick_value(PickMode mode, std::string_view value, const std::string& field);

// How many of n candidates the mode takes: one 1, all n, fixed min(N, n),
// fixed-percent floor(n·P/100) (at least 1 when n > 0 and P > 0, as Chaos Mesh),
// random-max-percent a count in [1, that of fixed-percent] drawn from `key`
// (the same on every node): 1 + splitmix64(fnv1a64(key + "\0random-max-percent"))
// mod that count. 0 only when n is 0, or for a value check_pick_value refuses.
// Values are integers as Chaos Mesh reads them (strconv.Atoi).
[[nodiscard]] std::size_t pick_count(PickMode mode, std::string_view value, std::size_t n, std::string_view key);

// rendezvous_order then the prefix pick_count takes.
[[nodiscard]] std::vector<Pod> pick(PickMode mode, std::string_view value, std::string_view key,
                                    std::vector<Pod> candidates);

}  // namespace seismo::pods
