#include "pods/pod.h"

#include <algorithm>

namespace seismo::pods {

std::string cgroup_uid(const Pod& pod) {
  auto it = pod.annotations.find(kMirrorAnnotation);
  if (it == pod.annotations.end()) return pod.uid;
  // The kubelet writes the static pod's config hash: 32 lowercase hex. Any
  // other value (hand-edited, another tool's) names no cgroup; ignored.
  const std::string& hash = it->second;
  const bool ok = hash.size() == 32 &&
                  std::all_of(hash.begin(), hash.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  return ok ? hash : pod.uid;
}

}  // namespace seismo::pods
