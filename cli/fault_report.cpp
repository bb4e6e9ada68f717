#include "fault_report.h"

#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace seismo::cli {

using nlohmann::json;

namespace {

// "tcp-retransmits" → "tcpRetransmits"; a camelCase key stays as it is.
std::string spec_key(const std::string& flag_name) {
  std::string out;
  bool upper = false;
  for (char c : flag_name) {
    if (c == '-' || c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// Seconds as fault ls prints delays: "850us", "52ms", "1.2s".
std::string short_seconds(double s) {
  if (s < 1e-3) return fmt::format("{:.0f}us", s * 1e6);
  if (s < 1) return fmt::format("{:.3g}ms", s * 1e3);
  return fmt::format("{:.3g}s", s);
}

}  // namespace

const json& json_field(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

Result<json> guard_from_flags(const std::vector<std::string>& guards, const std::string& window) {
  if (guards.empty() && window.empty()) return json(nullptr);
  json out = json::object();
  std::set<std::string> seen;
  for (const auto& g : guards) {
    const auto eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size())
      return fail_errno(EINVAL, fmt::format("--guard: '{}' is not BUDGET=COUNT (e.g. tcp-retransmits=50)", g.substr(0, 60)));
    const std::string key = spec_key(g.substr(0, eq));
    if (!seen.insert(key).second)
      return fail_errno(EINVAL, fmt::format("--guard: {} given twice", g.substr(0, std::min<size_t>(eq, 60))));
    out[key] = g.substr(eq + 1);
  }
  if (!window.empty()) out["window"] = window;
  return out;
}

std::string guard_line(const json& fault) {
  const json& g = json_field(fault, "guard");
  if (!g.is_object()) return "";
  if (const json& a = json_field(g, "aborted"); a.is_object()) return "aborted: " + a.value("reason", "");
  std::string out;
  if (const json& budgets = json_field(g, "budgets"); budgets.is_object())
    for (const auto& [name, b] : budgets.items())
      if (b.is_object())
        out += fmt::format("{}{} {}/{}", out.empty() ? "" : ", ", name, b.value("count", 0ULL), b.value("max", 0ULL));
  if (const json& w = json_field(g, "window"); w.is_string()) out += " per " + w.get<std::string>();
  if (g.value("state", "") == "unknown") out += " (counts not read yet)";
  return "guard: " + out;
}

std::string verification_line(const json& fault) {
  const json& v = json_field(fault, "verification");
  if (!v.is_object()) return "";
  const std::string measure = v.value("measure", "");
  if (measure == "loss_percent") {
    if (!v.contains("observed") || v["observed"].is_null())
      return fmt::format("loss: no packets yet, asked {:g}%", v.value("requested", 0.0));
    const json& iv = json_field(v, "interval_99");
    const bool have_iv = iv.is_array() && iv.size() == 2 && iv[0].is_number() && iv[1].is_number();
    std::string out = fmt::format("loss {:.1f}% (99%: {:.1f}-{:.1f}%), asked {:g}%", v.value("observed", 0.0),
                                  have_iv ? iv[0].get<double>() : 0.0, have_iv ? iv[1].get<double>() : 100.0,
                                  v.value("requested", 0.0));
    if (json_field(v, "within_interval") == false) out += " - NOT as asked";
    return out;
  }
  if (measure == "delay_seconds") {
    if (!v.contains("p50") || v["p50"].is_null())
      return fmt::format("delay: no packets yet, asked {}", short_seconds(v.value("requested", 0.0)));
    return fmt::format("delay p50 {} p99 {}, asked {}", short_seconds(v.value("p50", 0.0)),
                       short_seconds(v.value("p99", 0.0)), short_seconds(v.value("requested", 0.0)));
  }
  return "";
}

std::string watch_line(const json& fault) {
  const json& c = json_field(fault, "counters");
  auto count = [&c](const char* key) { return json_field(c, key).is_number() ? c[key].get<double>() : 0.0; };
  std::string out = fmt::format("{}: passed {:.0f} dropped {:.0f} delayed {:.0f}", fault.value("name", ""),
                                count("passed"), count("dropped"), count("delayed"));
  if (auto g = guard_line(fault); !g.empty()) out += " | " + g;
  if (auto v = verification_line(fault); !v.empty()) out += " | " + v;
  out += fmt::format(" | ends in {:.0f}s", fault.value("expires_in_seconds", 0.0));
  return out;
}

}  // namespace seismo::cli
