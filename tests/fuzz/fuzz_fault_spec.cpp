// One fault as JSON (the `fault.add` params): parse_fault_spec, its
// canonical form and the round trip through it.
#include "fault_round_trip.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;
  fuzz::check_fault_round_trip(doc);
  return 0;
}
