#pragma once
// chaos sits above pods and metrics, and may use libbpf and the skeletons.
#include <bpf/libbpf.h>

#include "chaos.skel.h"
#include "metrics/signal.h"
#include "pods/pod_store.h"
