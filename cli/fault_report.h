#pragma once

// The guard and verification parts of `seismo fault add|ls` (docs/faults.md,
// Guards): building `guard` from the flags and rendering what seismod
// reports. Pure functions over JSON, unit-tested without a daemon.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::cli {

// obj[key], or null when obj is not an object or has no such key (seismod's
// answers are read without trusting their shape).
const nlohmann::json& json_field(const nlohmann::json& obj, const char* key);

// `--guard tcp-retransmits=50` (repeatable; the spec key tcpRetransmits is
// taken too) and `--guard-window 10s` as the spec's `guard` object; null
// when neither is given. Counts go as text: seismod checks them and names
// the field. A flag that is not BUDGET=COUNT, or a budget given twice, is
// EINVAL naming the flag.
Result<nlohmann::json> guard_from_flags(const std::vector<std::string>& guards, const std::string& window);

// One line on a fault's guard, "" for an unguarded fault:
// "aborted: tcp_resets 51 > 50 after 3.2 s" or
// "guard: tcp_retransmits 12/40, tcp_resets 3/50 per 10s".
std::string guard_line(const nlohmann::json& fault);
// One line on observed vs requested, "" when the kind has no figure:
// "loss 29.8% (99%: 28.9-30.7%), asked 30%" or
// "delay p50 52ms p99 130ms, asked 50ms".
std::string verification_line(const nlohmann::json& fault);
// `fault add --watch`'s line per tick: counters, then the guard.
std::string watch_line(const nlohmann::json& fault);

}  // namespace seismo::cli
