// Makes an exact number of cheap syscalls: N getppid and M openat calls that
// fail with ENOENT. Linked statically so the dynamic loader adds no openat.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s GETPPID_CALLS FAILING_OPENAT_CALLS\n", argv[0]);
    return 2;
  }
  long n = std::strtol(argv[1], nullptr, 10);
  long m = std::strtol(argv[2], nullptr, 10);
  for (long i = 0; i < n; ++i) syscall(SYS_getppid);
  for (long i = 0; i < m; ++i) syscall(SYS_openat, AT_FDCWD, "/nonexistent/seismo-workload", O_RDONLY);
  return 0;
}
