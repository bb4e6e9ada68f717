#include <bpf/libbpf.h>

#include "probes/syscalls.h"
