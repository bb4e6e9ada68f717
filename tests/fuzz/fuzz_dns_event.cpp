// DNS trace records from the kernel (decode_dns_event) and question names
// in wire form (dns_name_text): whatever the bytes, a decoded name is
// printable ASCII without spaces (escapes cover the rest), its length is
// bounded by the escapes' 4 bytes per wire byte, and it round-trips the
// label structure (as many labels as the wire form).
#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz_check.h"
#include "probes/dns_decode.h"
#include "seismo/dns.h"

using namespace seismo;

namespace {

void check_text(const std::string& text, size_t wire_size) {
  fuzz::check(!text.empty() && text.back() == '.', "a name ends with a dot");
  fuzz::check(text.size() <= 4 * wire_size, "at most 4 characters per wire byte");
  for (char c : text) fuzz::check(c > 0x20 && c < 0x7f, "printable ASCII only: '" + text + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto name = probes::dns_name_text(fuzz::as_text(data, size));
  if (name) check_text(*name, size);
  else fuzz::check(name.error().message().starts_with("dns name: "), "the error names what it is about");

  // The same bytes as a record: those too short are refused; longer ones
  // are read over a valid header so the fields behind it get exercised.
  dns_event raw{};
  std::memcpy(&raw, data, std::min(size, sizeof(raw)));
  auto ev = probes::decode_dns_event(&raw, size < 8 ? size : sizeof(raw));
  if (size < 8) fuzz::check(!ev, "a short record is refused");
  raw.hdr.version = SEISMO_EVENT_VERSION;
  raw.hdr.kind = SEISMO_EVENT_DNS;
  raw.hdr.size = sizeof(raw);
  ev = probes::decode_dns_event(&raw, sizeof(raw));
  if (ev) {
    check_text(ev->name, raw.name_len);
    fuzz::check(raw.name_len >= 1 && raw.name_len <= SEISMO_DNS_NAME_MAX, "name_len within 1..255");
    fuzz::check(ev->protocol == "udp" || ev->protocol == "tcp", "a known transport");
  }
  return 0;
}
