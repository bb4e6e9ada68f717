#include "pods/pod_store.h"

#include "chaos/fault_engine.h"
