#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <utility>

#include <bpf/libbpf.h>

#include "common/result.h"

namespace seismo::bpf {

// An mmap of a BPF_F_MMAPABLE array map: userspace reads (and, for slots the
// kernel no longer writes, resets) values without a syscall per element.
class MappedMap {
 public:
  static Result<MappedMap> map(const bpf_map* map) {
    const size_t value = (bpf_map__value_size(map) + 7) & ~size_t{7};
    const size_t bytes = value * bpf_map__max_entries(map);
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t len = (bytes + page - 1) / page * page;
    void* addr = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
    if (addr == MAP_FAILED) return fail_errno(errno, std::string("mmap map ") + bpf_map__name(map));
    return MappedMap(addr, len, value, bpf_map__max_entries(map));
  }
  MappedMap(MappedMap&& o) noexcept
      : addr_(std::exchange(o.addr_, nullptr)), len_(o.len_), stride_(o.stride_), entries_(o.entries_) {}
  MappedMap& operator=(MappedMap&&) = delete;
  MappedMap(const MappedMap&) = delete;
  ~MappedMap() {
    if (addr_) ::munmap(addr_, len_);
  }

  template <class T>
  T* at(size_t i) const {
    return reinterpret_cast<T*>(static_cast<char*>(addr_) + i * stride_);
  }
  [[nodiscard]] size_t entries() const { return entries_; }

 private:
  MappedMap(void* addr, size_t len, size_t stride, size_t entries)
      : addr_(addr), len_(len), stride_(stride), entries_(entries) {}
  void* addr_;
  size_t len_;
  size_t stride_;
  size_t entries_;
};

}  // namespace seismo::bpf
