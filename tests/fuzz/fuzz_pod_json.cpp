// Pod objects from the API server (a list item or watch object):
// pod_from_json, containers normalised.
#include <arpa/inet.h>

#include <array>

#include "fuzz_check.h"
#include "pods/pod_json.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (doc.is_discarded()) return 0;
  auto pod = pods::pod_from_json(doc);
  if (!pod) {
    const auto& m = pod.error().message();
    fuzz::check(m.find("field '") != std::string::npos || m == "pod: not a JSON object", "the error names the field: " + m);
    return 0;
  }
  fuzz::check(!pod->uid.empty() && !pod->name.empty() && !pod->namespace_name.empty(), "identity present");
  for (const auto& ip : pod->ips) {
    std::array<unsigned char, 16> buf{};
    fuzz::check(inet_pton(AF_INET, ip.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, ip.c_str(), buf.data()) == 1,
                "every IP parses: " + ip);
  }
  fuzz::check(pod->ips.size() <= 8, "at most 8 IPs");
  fuzz::check(pod->phase.size() <= 32, "the phase is bounded");
  for (const auto& c : pod->containers) {
    fuzz::check(c.id.empty() == c.runtime.empty(), "a runtime exactly when there is an id");
    auto again = pods::container_from_status(c.name, c.id.empty() ? "" : c.runtime + "://" + c.id);
    fuzz::check(again && *again == c, "container '" + c.name + "' round-trips through its status form");
  }
  return 0;
}
