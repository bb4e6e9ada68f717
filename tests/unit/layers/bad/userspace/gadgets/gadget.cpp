// A folder the table does not know.
#include "common/log.h"
