#include <cstdarg>
#include <cstdio>
#include <string>

#include "bpf/libbpf_ptr.h"
#include "common/log.h"

namespace seismo::bpf {
namespace {

// libbpf hands over whole verifier logs in one message: size the buffer to
// the message so the verdict at its end is never cut off.
int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  va_list measure;
  va_copy(measure, args);
  int n = std::vsnprintf(nullptr, 0, format, measure);
  va_end(measure);
  if (n <= 0) return n;
  std::string line(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(line.data(), line.size(), format, args);
  line.resize(static_cast<size_t>(n));
  while (!line.empty() && line.back() == '\n') line.pop_back();
  switch (level) {
    case LIBBPF_WARN: log::warn("libbpf: {}", line); break;
    case LIBBPF_INFO: log::debug("libbpf: {}", line); break;
    case LIBBPF_DEBUG: log::debug("libbpf: {}", line); break;
  }
  return n;
}

}  // namespace

void route_libbpf_log() { libbpf_set_print(print_libbpf); }

}  // namespace seismo::bpf
