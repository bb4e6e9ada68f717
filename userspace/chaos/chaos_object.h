#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "net/tc_filter.h"

struct chaos_bpf;

namespace seismo::chaos {

enum class ChaosMap { cfg, peers, attach, stats, hist, state, flows, losses, guards, guard_owners };

// How one attachment's program instance is specialised (rodata).
struct ChaosProgramConfig {
  uint32_t attach_id = 0;
  net::TcHook hook = net::TcHook::egress;
  uint32_t l2_len = 14;      // 0 on devices without a MAC header
  bool peer_is_src = false;  // the hook sees traffic towards the target
  bool cgroup_ingress = false;  // cgskb_fault_ingress (target.by: socket), not a tc program
};

// One instance of bpf/chaos.bpf.c. Every instance shares the maps pinned
// under `pin_dir` (libbpf reuses a compatible pin, or creates and pins the
// map): the anchor instance loads maps only; each attachment loads its own
// program instance with its attachment id in rodata.
class ChaosObject {
 public:
  static Result<std::unique_ptr<ChaosObject>> load_maps(const std::string& pin_dir);
  static Result<std::unique_ptr<ChaosObject>> load_program(const std::string& pin_dir, const ChaosProgramConfig& config);
  ~ChaosObject();
  ChaosObject(const ChaosObject&) = delete;
  ChaosObject& operator=(const ChaosObject&) = delete;

  [[nodiscard]] int map_fd(ChaosMap map) const;
  [[nodiscard]] int program_fd() const;  // -1 for the maps-only anchor
  [[nodiscard]] uint32_t program_id() const;
  // Removes the pins of every shared map (their kernel objects live on while
  // something still holds them).
  Result<void> unpin_maps(const std::string& pin_dir);

 private:
  struct Destroy {
    void operator()(chaos_bpf* skel) const noexcept;
  };
  ChaosObject() = default;
  static Result<std::unique_ptr<ChaosObject>> load(const std::string& pin_dir, const ChaosProgramConfig* config);
  std::unique_ptr<chaos_bpf, Destroy> skel_;
  int program_fd_ = -1;
};

}  // namespace seismo::chaos
