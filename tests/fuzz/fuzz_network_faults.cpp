// NetworkFault and Chaos Mesh NetworkChaos documents as `seismo convert` and
// `seismo apply` read them: network_fault_objects, then every object through
// parse_network_fault and the spec's round trip (spec_to_json read back
// gives the same spec).
#include "crd/document.h"
#include "crd/network_fault.h"
#include "fuzz_check.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto objects = crd::network_fault_objects(fuzz::as_text(data, size));
  if (!objects) {
    int code = objects.error().code;
    fuzz::check(code == EINVAL || code == EMSGSIZE, "a rejected document is EINVAL or EMSGSIZE");
    return 0;
  }
  fuzz::check(!objects->empty() && objects->size() <= crd::kMaxNetworkFaultsPerText, "1 to 64 objects per text");
  for (auto object : *objects) {
    auto first = crd::parse_network_fault(object, false);
    fuzz::check(static_cast<bool>(first), "an object network_fault_objects returned parses");
    const auto spec = crd::spec_to_json(first->spec);
    object["spec"] = spec;
    auto again = crd::parse_network_fault(object, false);
    fuzz::check(static_cast<bool>(again), "spec_to_json is read back: " + fuzz::show(spec));
    fuzz::check(crd::spec_to_json(again->spec) == spec, "spec_to_json round trip is stable: " + fuzz::show(spec));
  }
  return 0;
}
