#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chaos/chaos_object.h"
#include "chaos/cidr.h"
#include "chaos/fault_counters.h"
#include "common/result.h"
#include "seismo/chaos.h"

namespace seismo::chaos {

// Typed access to the pinned fault maps (through the maps-only anchor
// instance of the chaos object).
class FaultMaps : public FaultCounterSource {
 public:
  static Result<std::unique_ptr<FaultMaps>> open(const std::string& pin_dir);

  Result<void> write_cfg(uint32_t slot, const fault_cfg& cfg);
  Result<fault_cfg> read_cfg(uint32_t slot) const;
  Result<void> clear_cfg(uint32_t slot);
  // The fault_peers trie (fault_peers.h): the prefixes of the fault in
  // `slot`, tagged with its generation. Writing stops at the first error
  // (ENOSPC: the trie holds SEISMO_FAULT_PEERS over all faults); deleting a
  // prefix that is not there is no error.
  Result<void> write_peers(uint32_t slot, uint64_t generation, const std::vector<Cidr>& cidrs);
  Result<void> delete_peers(uint32_t slot, const std::vector<Cidr>& cidrs);
  // Removes every entry `keep` refuses; returns how many went. Walks the
  // whole trie (reconciliation only).
  size_t purge_peers(const std::function<bool(const fault_peer_key& key, uint64_t generation)>& keep);
  // Entries in the trie (a walk; tests and diagnostics).
  [[nodiscard]] size_t peer_entries() const;
  Result<void> write_attach(uint32_t attach_id, const fault_attach& att);
  Result<fault_attach> read_attach(uint32_t attach_id) const;
  // Guards (docs/faults.md, Guards): the slot's fault_guard entry, and the
  // owners (netns inode or cgroup id) whose TCP events count for it.
  Result<void> write_guard(uint32_t slot, const fault_guard& guard);
  Result<fault_guard> read_guard(uint32_t slot) const;
  Result<void> clear_guard(uint32_t slot) { return write_guard(slot, fault_guard{}); }
  // Lists `slot` under the owner (idempotent). ENOSPC when the owner lists
  // SEISMO_FAULTS_PER_ATTACH guarded faults already or the map is full.
  Result<void> add_guard_owner(const fault_guard_owner_key& owner, uint32_t slot);
  // Unlists `slot` under the owner; removes the entry when it lists none.
  Result<void> remove_guard_owner(const fault_guard_owner_key& owner, uint32_t slot);
  // Unlists every slot `keep` refuses from every owner (a walk: removal of
  // a fault and reconciliation); returns how many listings went.
  size_t purge_guard_owners(const std::function<bool(uint32_t slot)>& keep);
  // Every owner entry (tests and diagnostics).
  [[nodiscard]] std::vector<std::pair<fault_guard_owner_key, fault_guard_owner>> guard_owners() const;
  // Zeroes a slot's counters and histogram on every CPU (a new fault starts at 0).
  Result<void> reset_counters(uint32_t slot);

  [[nodiscard]] FaultCounters counters(uint32_t slot) const override;
  [[nodiscard]] std::vector<uint64_t> losses() const override;

  // Ids of the loaded programs that use these maps (every attachment's
  // program instance, whoever attached it).
  [[nodiscard]] std::vector<uint32_t> program_ids() const;
  // The kernel id of the fault_cfg map (0 when it cannot be read).
  [[nodiscard]] uint32_t cfg_map_id() const;

  [[nodiscard]] const std::string& pin_dir() const { return pin_dir_; }
  // Removes the pins (clean shutdown, nothing left to reconcile).
  Result<void> unpin();

 private:
  FaultMaps(std::unique_ptr<ChaosObject> anchor, std::string pin_dir)
      : anchor_(std::move(anchor)), pin_dir_(std::move(pin_dir)) {}
  std::unique_ptr<ChaosObject> anchor_;
  std::string pin_dir_;
};

}  // namespace seismo::chaos
