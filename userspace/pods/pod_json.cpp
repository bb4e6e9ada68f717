#include "pods/pod_json.h"

#include <arpa/inet.h>

#include <array>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pods/cgroup_pod_parser.h"

namespace seismo::pods {
namespace {

using nlohmann::json;

Result<std::string> required_string(const json& obj, const char* key, const char* field) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fail_plain(fmt::format("field '{}': missing or not a non-empty string", field));
  }
  return it->get<std::string>();
}

Result<void> read_statuses(const json& status, const char* key, Pod& pod) {
  auto it = status.find(key);
  if (it == status.end() || it->is_null()) return {};
  if (!it->is_array()) return fail_plain(fmt::format("field 'status.{}': not an array", key));
  for (const auto& cs : *it) {
    if (!cs.is_object()) return fail_plain(fmt::format("field 'status.{}[]': not an object", key));
    auto name = required_string(cs, "name", "status.containerStatuses[].name");
    if (!name) return fail(name.error());
    std::string id;
    if (auto idit = cs.find("containerID"); idit != cs.end() && !idit->is_null()) {
      if (!idit->is_string()) return fail_plain("field 'status.containerStatuses[].containerID': not a string");
      id = idit->get<std::string>();
    }
    auto c = container_from_status(*name, id);
    if (!c) return fail(c.error());
    pod.containers.push_back(std::move(*c));
  }
  return {};
}

// A string → string map (labels, annotations); null or absent is empty.
Result<void> read_string_map(const json& meta, const char* key, std::map<std::string, std::string>& out) {
  auto it = meta.find(key);
  if (it == meta.end() || it->is_null()) return {};
  if (!it->is_object()) return fail_plain(fmt::format("field 'metadata.{}': not an object", key));
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return fail_plain(fmt::format("field 'metadata.{}.{}': not a string", key, k));
    out.emplace(k, v.get<std::string>());
  }
  return {};
}

// An optional string field: absent or null is "", anything else not a string is an error.
Result<std::string> optional_string(const json& obj, const char* key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail_plain(fmt::format("field '{}': not a string", field));
  return it->get<std::string>();
}

Result<std::string> checked_ip(const json& value, const std::string& field) {
  if (!value.is_string()) return fail_plain(fmt::format("field '{}': not a string", field));
  const auto& text = value.get_ref<const std::string&>();
  std::array<unsigned char, sizeof(in6_addr)> buf{};
  if (text.size() > INET6_ADDRSTRLEN || (inet_pton(AF_INET, text.c_str(), buf.data()) != 1 &&
                                         inet_pton(AF_INET6, text.c_str(), buf.data()) != 1)) {
    return fail_plain(fmt::format("field '{}': '{}' is not an IPv4 or IPv6 address", field, text.substr(0, 64)));
  }
  return text;
}

// status.podIPs[].ip (one per family, so at most two on a real cluster;
// kPodIpsMax bounds what we keep), else status.podIP.
constexpr std::size_t kPodIpsMax = 8;

Result<void> read_ips(const json& status, Pod& pod) {
  if (auto it = status.find("podIPs"); it != status.end() && !it->is_null()) {
    if (!it->is_array()) return fail_plain("field 'status.podIPs': not an array");
    if (it->size() > kPodIpsMax) {
      return fail_plain(fmt::format("field 'status.podIPs': {} entries (at most {})", it->size(), kPodIpsMax));
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& entry = (*it)[i];
      auto field = fmt::format("status.podIPs[{}].ip", i);
      if (!entry.is_object() || !entry.contains("ip")) return fail_plain(fmt::format("field '{}': missing", field));
      auto ip = checked_ip(entry["ip"], field);
      if (!ip) return fail(ip.error());
      pod.ips.push_back(std::move(*ip));
    }
    if (!pod.ips.empty()) return {};
  }
  if (auto it = status.find("podIP"); it != status.end() && !it->is_null()) {
    if (it->is_string() && it->get_ref<const std::string&>().empty()) return {};
    auto ip = checked_ip(*it, "status.podIP");
    if (!ip) return fail(ip.error());
    pod.ips.push_back(std::move(*ip));
  }
  return {};
}

constexpr std::size_t kPhaseMax = 32;

Result<void> read_status(const json& status, Pod& pod) {
  for (const char* key : {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    auto r = read_statuses(status, key, pod);
    if (!r) return fail(r.error());
  }
  auto phase = optional_string(status, "phase", "status.phase");
  if (!phase) return fail(phase.error());
  if (phase->size() > kPhaseMax || phase->find_first_not_of(
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != std::string::npos) {
    return fail_plain(fmt::format("field 'status.phase': '{}' is not a phase name", phase->substr(0, kPhaseMax)));
  }
  pod.phase = std::move(*phase);
  return read_ips(status, pod);
}

Result<void> read_meta_extras(const json& meta, Pod& pod) {
  auto labels = read_string_map(meta, "labels", pod.labels);
  if (!labels) return labels;
  auto annotations = read_string_map(meta, "annotations", pod.annotations);
  if (!annotations) return annotations;
  auto created = optional_string(meta, "creationTimestamp", "metadata.creationTimestamp");
  if (!created) return fail(created.error());
  if (!created->empty()) {
    auto t = parse_rfc3339(*created);
    if (!t) return fail(t.error().wrap("field 'metadata.creationTimestamp'"));
    pod.created_unix = *t;
  }
  auto deletion = optional_string(meta, "deletionTimestamp", "metadata.deletionTimestamp");
  if (!deletion) return fail(deletion.error());
  if (!deletion->empty()) {
    auto t = parse_rfc3339(*deletion);
    if (!t) return fail(t.error().wrap("field 'metadata.deletionTimestamp'"));
    pod.deleting = true;
  }
  return {};
}

Result<void> read_spec(const json& object, Pod& pod) {
  auto spec = object.find("spec");
  if (spec == object.end() || spec->is_null()) return {};
  if (!spec->is_object()) return fail_plain("field 'spec': not an object");
  auto node = optional_string(*spec, "nodeName", "spec.nodeName");
  if (!node) return fail(node.error());
  pod.node_name = std::move(*node);
  if (auto it = spec->find("hostNetwork"); it != spec->end() && !it->is_null()) {
    if (!it->is_boolean()) return fail_plain("field 'spec.hostNetwork': not a boolean");
    pod.host_network = it->get<bool>();
  }
  return {};
}

}  // namespace

Result<PodContainer> container_from_status(const std::string& name, const std::string& container_id) {
  PodContainer c;
  c.name = name;
  if (container_id.empty()) return c;
  auto sep = container_id.find("://");
  if (sep == std::string::npos || sep == 0) {
    return fail_plain(fmt::format("field 'containerID': '{}' is not <runtime>://<id>", container_id));
  }
  c.runtime = container_id.substr(0, sep);
  c.id = container_id.substr(sep + 3);
  if (c.id.size() != 64 || c.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return fail_plain(fmt::format("field 'containerID': '{}' does not end in 64 lowercase hex", container_id));
  }
  return c;
}

Result<Pod> pod_from_json(const json& object) {
  if (!object.is_object()) return fail_plain("pod: not a JSON object");
  auto meta_it = object.find("metadata");
  if (meta_it == object.end() || !meta_it->is_object()) return fail_plain("field 'metadata': missing or not an object");
  const json& meta = *meta_it;
  Pod pod;
  auto uid = required_string(meta, "uid", "metadata.uid");
  if (!uid) return fail(uid.error());
  auto norm = normalise_pod_uid(*uid);
  if (!norm) return fail(norm.error().wrap("field 'metadata.uid'"));
  pod.uid = std::move(*norm);
  auto name = required_string(meta, "name", "metadata.name");
  if (!name) return fail(name.error());
  pod.name = std::move(*name);
  auto ns = required_string(meta, "namespace", "metadata.namespace");
  if (!ns) return fail(ns.error());
  pod.namespace_name = std::move(*ns);
  auto rv = required_string(meta, "resourceVersion", "metadata.resourceVersion");
  if (!rv) return fail(rv.error());
  pod.resource_version = std::move(*rv);
  auto extras = read_meta_extras(meta, pod);
  if (!extras) return fail(extras.error());
  auto spec = read_spec(object, pod);
  if (!spec) return fail(spec.error());
  if (auto status = object.find("status"); status != object.end() && !status->is_null()) {
    if (!status->is_object()) return fail_plain("field 'status': not an object");
    auto r = read_status(*status, pod);
    if (!r) return fail(r.error());
  }
  return pod;
}

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` digits at text[pos].
bool digits(std::string_view text, std::size_t pos, std::size_t width, unsigned& out) {
  if (pos + width > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

}  // namespace

Result<int64_t> parse_rfc3339(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail_plain(fmt::format("'{}' is not an RFC 3339 time: {}", text.substr(0, 64), why));
  };
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return bad("no such date");
  if (hour > 23 || minute > 59 || second > 60) return bad("no such time of day");  // 60: a leap second
  std::size_t pos = 19;
  if (text[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start || pos - start > 9) return bad("expected 1 to 9 digits of fraction after '.'");
  }
  int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    unsigned oh = 0, om = 0;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad("expected a zone offset +hh:mm");
    }
    offset = (text[pos] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad("expected 'Z' or a zone offset");
  }
  if (pos != text.size()) return bad("trailing text");
  constexpr int64_t kDay = 86400;
  return days_from_civil(year, month, day) * kDay + hour * 3600 + minute * 60 + second - offset;
}

}  // namespace seismo::pods
