// Allowed: its own folder, common/cgroup/net, and headers outside the project
// (<net/if.h> is the C library's, not userspace/net).
#include "pods/pod.h"

#include <net/if.h>
#include <fmt/format.h>

#include "cgroup/cgroup_resolver.h"
#include "common/result.h"
#include "net/netns.h"
