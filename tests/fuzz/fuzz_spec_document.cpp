// Fault documents as `seismo fault apply -f` sends them (JSON or YAML, one
// or many faults): parse_spec_document, then every fault through
// parse_fault_spec and its canonical round trip.
#include "chaos/spec_document.h"
#include "fault_round_trip.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto items = chaos::parse_spec_document(fuzz::as_text(data, size));
  if (!items) {
    int code = items.error().code;
    fuzz::check(code == EINVAL || code == EMSGSIZE, "a rejected document is EINVAL or EMSGSIZE");
    return 0;
  }
  fuzz::check(!items->empty() && items->size() <= chaos::kMaxFaultsPerDocument, "1 to 64 faults per document");
  for (const auto& item : *items) fuzz::check_fault_round_trip(item);
  return 0;
}
