#include "probes/dns_decode.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

#include <fmt/format.h>

#include "seismo/dns.h"

namespace seismo::probes {

static_assert(sizeof(dns_event) == 64 + SEISMO_DNS_NAME_MAX + 1, "dns_event must match bpf/include/seismo/dns.h");

Result<std::string> dns_name_text(std::string_view wire) {
  if (wire.empty() || wire.size() > SEISMO_DNS_NAME_MAX)
    return fail_errno(EINVAL, fmt::format("dns name: {} bytes, expected 1..{}", wire.size(), SEISMO_DNS_NAME_MAX));
  std::string out;
  size_t pos = 0;
  for (;;) {
    const auto len = static_cast<uint8_t>(wire[pos]);
    if (len == 0) break;
    if (len > SEISMO_DNS_LABEL_MAX)
      return fail_errno(EINVAL, fmt::format("dns name: label length {} at byte {} (max {})", len, pos,
                                            SEISMO_DNS_LABEL_MAX));
    if (pos + 1 + len >= wire.size())
      return fail_errno(EINVAL, fmt::format("dns name: label at byte {} runs past the name's {} bytes", pos,
                                            wire.size()));
    for (size_t i = pos + 1; i <= pos + len; ++i) {
      const auto c = static_cast<unsigned char>(wire[i]);
      if (c == '.' || c == '\\')
        out += fmt::format("\\{}", static_cast<char>(c));
      else if (c > 0x20 && c < 0x7f)
        out += static_cast<char>(c);
      else
        out += fmt::format("\\{:03d}", c);
    }
    out += '.';
    pos += 1 + len;
  }
  if (pos + 1 != wire.size())
    return fail_errno(EINVAL, fmt::format("dns name: {} bytes after its end", wire.size() - pos - 1));
  return out.empty() ? std::string(".") : out;
}

std::string dns_qtype_name(uint16_t qtype) {
  struct Name {
    uint16_t type;
    const char* name;
  };
  static constexpr std::array<Name, 14> kNames{{{1, "A"},
                                                {2, "NS"},
                                                {5, "CNAME"},
                                                {6, "SOA"},
                                                {12, "PTR"},
                                                {15, "MX"},
                                                {16, "TXT"},
                                                {28, "AAAA"},
                                                {33, "SRV"},
                                                {35, "NAPTR"},
                                                {43, "DS"},
                                                {64, "SVCB"},
                                                {65, "HTTPS"},
                                                {255, "ANY"}}};
  for (const auto& n : kNames)
    if (n.type == qtype) return n.name;
  return fmt::format("TYPE{}", qtype);
}

std::string dns_rcode_name(uint8_t rcode) {
  static constexpr std::array<const char*, 11> kNames{"NOERROR", "FORMERR",  "SERVFAIL", "NXDOMAIN",
                                                      "NOTIMP",  "REFUSED",  "YXDOMAIN", "YXRRSET",
                                                      "NXRRSET", "NOTAUTH",  "NOTZONE"};
  if (rcode < kNames.size()) return kNames[rcode];
  return fmt::format("RCODE{}", rcode);
}

Result<DnsEvent> decode_dns_event(const void* data, size_t size) {
  if (size < sizeof(dns_event))
    return fail_errno(EINVAL, fmt::format("dns event: {} bytes, expected {}", size, sizeof(dns_event)));
  dns_event raw;
  std::memcpy(&raw, data, sizeof(raw));
  if (raw.hdr.version != SEISMO_EVENT_VERSION || raw.hdr.kind != SEISMO_EVENT_DNS || raw.hdr.size != sizeof(raw))
    return fail_errno(EINVAL, fmt::format("dns event: header version {} kind {} size {} not understood",
                                          raw.hdr.version, raw.hdr.kind, raw.hdr.size));
  if (raw.family != 4 && raw.family != 6)
    return fail_errno(EINVAL, fmt::format("dns event: family {}", raw.family));
  if (raw.proto != IPPROTO_UDP && raw.proto != IPPROTO_TCP)
    return fail_errno(EINVAL, fmt::format("dns event: protocol {}", raw.proto));
  if (raw.rcode > 15) return fail_errno(EINVAL, fmt::format("dns event: rcode {}", raw.rcode));
  if (raw.name_len == 0 || raw.name_len > SEISMO_DNS_NAME_MAX)
    return fail_errno(EINVAL, fmt::format("dns event: name_len {}", raw.name_len));
  auto name = dns_name_text(std::string_view(reinterpret_cast<const char*>(raw.name), raw.name_len));
  if (!name) return fail(std::move(name).error());
  DnsEvent ev;
  ev.cgroup_id = raw.cgroup_id;
  ev.ts_ns = raw.ts_ns;
  ev.latency_ns = raw.latency_ns;
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(raw.family == 4 ? AF_INET : AF_INET6, raw.server, text, sizeof(text));
  ev.server = text;
  ev.server_port = raw.server_port;
  ev.id = raw.id;
  ev.qtype = raw.qtype;
  ev.rcode = raw.rcode;
  ev.protocol = raw.proto == IPPROTO_UDP ? "udp" : "tcp";
  ev.name = std::move(*name);
  return ev;
}

}  // namespace seismo::probes
