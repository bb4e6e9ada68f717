#pragma once
// Spelt with angle brackets, still a project folder.
#include <metrics/signal.h>
