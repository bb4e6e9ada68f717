#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seismo::chaos {

// What start-up reconciliation found and did.
struct ReconcileReport {
  std::vector<std::string> adopted;          // still-running faults taken over
  std::vector<std::string> expired_removed;  // faults that ended while no daemon ran
  size_t filters_removed = 0;                // seismo filters of ended or unknown faults
  size_t unknown_slots_cleared = 0;          // map entries no fault owned
  size_t stale_peers_removed = 0;            // fault_peers entries no adopted fault recorded
  size_t devices_restored = 0;               // devices given back their qdiscs
  size_t devices_gone = 0;                   // recorded devices that no longer exist
  size_t orphan_programs = 0;                // our programs still loaded whose filters were not found
  size_t namespaces_swept = 0;               // network namespaces searched for unrecorded filters
  size_t guard_owners_removed = 0;           // fault_guard_owners listings of no adopted guarded fault
  std::string guard_tracing;                 // the guards' TCP counters: "adopted", "attached", "removed" or ""
  std::vector<std::string> errors;
  [[nodiscard]] nlohmann::json to_json() const;
};

}  // namespace seismo::chaos
