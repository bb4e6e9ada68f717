// Cgroup paths → pod (any path a process can create under the cgroup
// root reaches this): parse_pod_cgroup's result is normalised.
#include "fuzz_check.h"
#include "pods/cgroup_pod_parser.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto path = fuzz::as_text(data, size);
  auto pod = pods::parse_pod_cgroup(path);
  if (!pod) {
    // "not a pod cgroup: ..." for other cgroups; "pod cgroup '...': field
    // ..." for a kubelet path with a malformed uid or container id.
    const auto& m = pod.error().message();
    fuzz::check(m.starts_with("not a pod cgroup: ") || m.starts_with("pod cgroup '"), "error says what: " + m);
    return 0;
  }
  auto uid = pods::normalise_pod_uid(pod->pod_uid);
  fuzz::check(uid && *uid == pod->pod_uid, "pod_uid '" + pod->pod_uid + "' is already normalised");
  fuzz::check(pod->container_id.empty() || (pod->container_id.size() == 64 &&
                                            pod->container_id.find_first_not_of("0123456789abcdef") == std::string::npos),
              "container id is empty or 64 lowercase hex");
  fuzz::check(pod->container_id.empty() == (pod->runtime == pods::ContainerRuntime::none),
              "a runtime exactly when there is a container id");
  return 0;
}
