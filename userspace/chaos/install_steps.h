#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chaos/cgroup_link.h"
#include "chaos/fault_maps.h"
#include "chaos/fault_plan.h"
#include "chaos/hooked_device.h"
#include "common/result.h"
#include "net/fq_options.h"

namespace seismo::chaos {

class FaultRegistry;

// The steps of an install (FaultInstaller), one RAII object each: built by
// doing the step, its destructor undoes it unless keep() handed the result
// to the registry. A transaction destroys its steps newest first, so a
// failure anywhere leaves the kernel, the maps and the state file as they
// were. The classes are small and only make sense together, so they share
// this header.
class InstallStep {
 public:
  InstallStep() = default;
  virtual ~InstallStep() = default;
  InstallStep(const InstallStep&) = delete;
  InstallStep& operator=(const InstallStep&) = delete;
  // The change stays; the registry owns what it needs of it.
  virtual void keep(FaultRegistry& registry);

 protected:
  [[nodiscard]] bool kept() const { return kept_; }

 private:
  bool kept_ = false;
};

// The state file is written again from the registry (without what this
// install added) when the install is undone: checkpoints along the way
// recorded kernel changes a crash must not lose track of.
class StateRewrite final : public InstallStep {
 public:
  explicit StateRewrite(FaultRegistry& registry) : registry_(registry) {}
  ~StateRewrite() override;

 private:
  FaultRegistry& registry_;
};

// The pinned fault maps; released again when this install created them.
class MapsLease final : public InstallStep {
 public:
  static Result<std::unique_ptr<MapsLease>> take(FaultRegistry& registry);
  ~MapsLease() override;

 private:
  MapsLease(FaultRegistry& registry, bool created) : registry_(registry), created_(created) {}
  FaultRegistry& registry_;
  bool created_;
};

// The fault's peer prefixes in the fault_peers trie (before its cfg goes
// live); deleted again.
class WrittenPeers final : public InstallStep {
 public:
  static Result<std::unique_ptr<WrittenPeers>> write(FaultMaps& maps, uint32_t slot, uint64_t generation,
                                                     const std::vector<Cidr>& cidrs);
  ~WrittenPeers() override;

 private:
  WrittenPeers(FaultMaps& maps, uint32_t slot, std::vector<Cidr> cidrs)
      : maps_(maps), slot_(slot), cidrs_(std::move(cidrs)) {}
  FaultMaps& maps_;
  uint32_t slot_;
  std::vector<Cidr> cidrs_;
};

// fault_cfg[slot] written, its counters zeroed; cleared again.
class WrittenConfig final : public InstallStep {
 public:
  static Result<std::unique_ptr<WrittenConfig>> write(FaultMaps& maps, uint32_t slot, const fault_cfg& cfg);
  ~WrittenConfig() override;

 private:
  WrittenConfig(FaultMaps& maps, uint32_t slot) : maps_(maps), slot_(slot) {}
  FaultMaps& maps_;
  uint32_t slot_;
};

// A guarded fault's fault_guard entry (budgets, generation; written before
// its cfg goes live, so the kernel never sees the cfg without it); cleared.
class WrittenGuard final : public InstallStep {
 public:
  static Result<std::unique_ptr<WrittenGuard>> write(FaultMaps& maps, uint32_t slot, const fault_guard& guard);
  ~WrittenGuard() override;

 private:
  WrittenGuard(FaultMaps& maps, uint32_t slot) : maps_(maps), slot_(slot) {}
  FaultMaps& maps_;
  uint32_t slot_;
};

// A guarded fault's slot listed under its owners (fault_guard_owners): the
// netns or cgroups whose TCP events count for it; unlisted again (only the
// listings this step added).
class ListedGuardOwners final : public InstallStep {
 public:
  static Result<std::unique_ptr<ListedGuardOwners>> write(FaultMaps& maps, uint32_t slot,
                                                          const std::vector<fault_guard_owner_key>& owners);
  ~ListedGuardOwners() override;

 private:
  ListedGuardOwners(FaultMaps& maps, uint32_t slot) : maps_(maps), slot_(slot) {}
  FaultMaps& maps_;
  uint32_t slot_;
  std::vector<fault_guard_owner_key> added_;
};

// The guards' TCP counters (guard_tracing.h) attached through pinned links,
// or adopted when pinned already; removed again when this step attached them.
class AttachedGuardTracing final : public InstallStep {
 public:
  static Result<std::unique_ptr<AttachedGuardTracing>> ensure(const std::string& pin_dir);
  ~AttachedGuardTracing() override;

 private:
  AttachedGuardTracing(std::string pin_dir, bool attached_now)
      : pin_dir_(std::move(pin_dir)), attached_now_(attached_now) {}
  std::string pin_dir_;
  bool attached_now_;
};

// A device opened for the first time; given back as it was (HookedDevice's
// own restore) unless the registry takes it.
class OpenedDevice final : public InstallStep {
 public:
  static Result<std::unique_ptr<OpenedDevice>> open(net::Netns netns, const net::LinkInfo& link);
  void keep(FaultRegistry& registry) override;
  [[nodiscard]] HookedDevice& device() { return *device_; }

 private:
  explicit OpenedDevice(std::unique_ptr<HookedDevice> device) : device_(std::move(device)) {}
  std::unique_ptr<HookedDevice> device_;
};

// A program instance loaded and attached as a tc filter; detached again.
class AttachedFilter final : public InstallStep {
 public:
  static Result<std::unique_ptr<AttachedFilter>> attach(HookedDevice& device, FaultMaps& maps,
                                                        const std::string& pin_dir, const PlannedAttachment& att);
  ~AttachedFilter() override;

 private:
  AttachedFilter(HookedDevice& device, uint32_t attach_id) : device_(device), attach_id_(attach_id) {}
  HookedDevice& device_;
  uint32_t attach_id_;
};

// A program instance attached to a cgroup's ingress (target.by: socket)
// through a pinned link; detached again unless the registry takes it.
class AttachedCgroupLink final : public InstallStep {
 public:
  static Result<std::unique_ptr<AttachedCgroupLink>> attach(FaultMaps& maps, const std::string& pin_dir,
                                                            const PlannedAttachment& att);
  void keep(FaultRegistry& registry) override;
  ~AttachedCgroupLink() override;

 private:
  AttachedCgroupLink(std::unique_ptr<CgroupLink> link, uint32_t attach_id)
      : link_(std::move(link)), attach_id_(attach_id) {}
  std::unique_ptr<CgroupLink> link_;
  uint32_t attach_id_;
};

// fq as the device's root qdisc (sized for the delay); the previous root
// qdisc comes back when this install put fq there.
class InstalledFq final : public InstallStep {
 public:
  static Result<std::unique_ptr<InstalledFq>> ensure(HookedDevice& device, const net::FqOptions& wanted);
  ~InstalledFq() override;

 private:
  InstalledFq(HookedDevice& device, bool ours_before) : device_(device), ours_before_(ours_before) {}
  HookedDevice& device_;
  bool ours_before_;
};

// fault_attach[attach_id] lists the new slots; the old list comes back.
class WrittenAttachList final : public InstallStep {
 public:
  static Result<std::unique_ptr<WrittenAttachList>> write(FaultMaps& maps, uint32_t attach_id,
                                                          const std::vector<uint32_t>& before,
                                                          const std::vector<uint32_t>& after);
  ~WrittenAttachList() override;

 private:
  WrittenAttachList(FaultMaps& maps, uint32_t attach_id, std::vector<uint32_t> before)
      : maps_(maps), attach_id_(attach_id), before_(std::move(before)) {}
  FaultMaps& maps_;
  uint32_t attach_id_;
  std::vector<uint32_t> before_;
};

// What fault_attach holds for a slot list (at most SEISMO_FAULTS_PER_ATTACH).
fault_attach attach_list(const std::vector<uint32_t>& slots);

}  // namespace seismo::chaos
