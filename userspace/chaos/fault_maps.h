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
