// CIDRs in a fault's filter: Cidr::parse, host bits cleared, and
// to_string parsing back to the same prefix.
#include "chaos/cidr.h"
#include "fuzz_check.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  auto cidr = chaos::Cidr::parse(text, "filter.cidrs[0]");
  if (!cidr) {
    fuzz::check(cidr.error().message().starts_with("filter.cidrs[0]"), "the error names the field");
    return 0;
  }
  fuzz::check(cidr->family() == 4 || cidr->family() == 6, "family 4 or 6");
  fuzz::check(cidr->prefix_len() <= (cidr->family() == 4 ? 32 : 128), "prefix within the family");
  auto mask = cidr->mask();
  for (size_t i = 0; i < 16; ++i)
    fuzz::check((cidr->address()[i] & ~mask[i]) == 0, "host bits cleared in '" + std::string(text) + "'");
  fuzz::check(cidr->contains(*cidr), "a prefix contains itself");
  auto again = chaos::Cidr::parse(cidr->to_string(), "x");
  fuzz::check(again && *again == *cidr, "'" + std::string(text) + "' prints as '" + cidr->to_string() +
                                            "', which does not parse back");
  return 0;
}
