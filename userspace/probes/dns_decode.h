#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace seismo::probes {

// One answered DNS query, as `seismo trace dns` shows it.
struct DnsEvent {
  uint64_t cgroup_id = 0;
  uint64_t ts_ns = 0;       // CLOCK_MONOTONIC, when the response arrived
  uint64_t latency_ns = 0;  // query sent -> response received
  std::string server;       // address text
  uint16_t server_port = 0;
  uint16_t id = 0;
  uint16_t qtype = 0;
  uint8_t rcode = 0;
  std::string protocol;  // "udp" or "tcp"
  std::string name;      // presentation form, escaped
};

// Validates a dns_event record (size, header, family, protocol, rcode and
// the name's wire form) and decodes it; malformed records are errors.
Result<DnsEvent> decode_dns_event(const void* data, size_t size);

// A wire-format name (length-prefixed labels ending in a zero byte, no
// compression) in presentation form: labels joined by '.', the root as
// "."; bytes other than printable ASCII, and '.' or '\' inside a label,
// escaped as \DDD / \. / \\ (RFC 1035 5.1). Errors name what is wrong.
Result<std::string> dns_name_text(std::string_view wire);

// "A", "AAAA", …, "TYPE<n>" for types without a mnemonic here.
std::string dns_qtype_name(uint16_t qtype);
// "NOERROR", "NXDOMAIN", …, "RCODE<n>" for the rest.
std::string dns_rcode_name(uint8_t rcode);

}  // namespace seismo::probes
