// The documented exception: the CLI's doctor uses doctor/ (which links libbpf).
#include "context.h"
#include "api/client.h"
#include "doctor/doctor.h"
