#include <cstdarg>
#include <cstdio>
#include <string>

#include "bpf/libbpf_ptr.h"
#include "common/log.h"

namespace seismo::bpf {
namespace {

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof(buf), format, args);
  if (n <= 0) return n;
  std::string line(buf, static_cast<size_t>(std::min(n, static_cast<int>(sizeof(buf) - 1))));
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
