#include "chaos/cgroup_link.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "chaos/chaos_object.h"

namespace seismo::chaos {

namespace {
constexpr std::string_view kPinPrefix = "cgskb_";
}  // namespace

std::string CgroupLink::pin_path(const std::string& pin_dir, uint32_t attach_id) {
  return fmt::format("{}/{}{}", pin_dir, kPinPrefix, attach_id);
}

Result<void> CgroupLink::read_info() {
  bpf_link_info info{};
  uint32_t len = sizeof(info);
  if (bpf_link_get_info_by_fd(link_.get(), &info, &len) != 0)
    return fail_errno(errno, fmt::format("read BPF link {}", pin_));
  if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.attach_type != BPF_CGROUP_INET_INGRESS)
    return fail_errno(EINVAL, fmt::format("{} is not a cgroup ingress link", pin_));
  cgroup_id_ = info.cgroup.cgroup_id;
  program_id_ = info.prog_id;
  return {};
}

Result<std::unique_ptr<CgroupLink>> CgroupLink::attach(const std::string& pin_dir, uint32_t attach_id,
                                                       const std::string& cgroup_dir) {
  ChaosProgramConfig pc;
  pc.attach_id = attach_id;
  pc.hook = net::TcHook::ingress;
  pc.l2_len = 0;
  pc.peer_is_src = true;
  pc.cgroup_ingress = true;
  auto prog = ChaosObject::load_program(pin_dir, pc);
  if (!prog) return fail(std::move(prog).error());
  UniqueFd cg(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cg) return fail_errno(errno, fmt::format("target.cgroup: open {}", cgroup_dir));
  // A link, not a legacy attach: it can be pinned, found again and detached
  // by itself; other programs on the cgroup (BPF_F_ALLOW_MULTI) stay.
  UniqueFd link(bpf_link_create((*prog)->program_fd(), cg.get(), BPF_CGROUP_INET_INGRESS, nullptr));
  if (!link) return fail_errno(errno, fmt::format("attach cgroup_skb/ingress to {}", cgroup_dir));
  std::string pin = pin_path(pin_dir, attach_id);
  ::unlink(pin.c_str());  // a stale pin of an attachment id reconcile released
  if (bpf_obj_pin(link.get(), pin.c_str()) != 0)
    return fail_errno(errno, fmt::format("pin the cgroup link of {} at {}", cgroup_dir, pin));
  std::unique_ptr<CgroupLink> out(new CgroupLink(std::move(link), std::move(pin)));
  if (auto r = out->read_info(); !r) {
    (void)out->detach();
    return fail(std::move(r).error());
  }
  return out;
}

Result<std::unique_ptr<CgroupLink>> CgroupLink::adopt(const std::string& pin_dir, uint32_t attach_id) {
  std::string pin = pin_path(pin_dir, attach_id);
  UniqueFd link(bpf_obj_get(pin.c_str()));
  if (!link) return fail_errno(errno, fmt::format("open pinned cgroup link {}", pin));
  std::unique_ptr<CgroupLink> out(new CgroupLink(std::move(link), std::move(pin)));
  if (auto r = out->read_info(); !r) return fail(std::move(r).error());
  return out;
}

std::vector<uint32_t> CgroupLink::pinned(const std::string& pin_dir) {
  std::vector<uint32_t> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(pin_dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPinPrefix, 0) != 0 || name.size() == kPinPrefix.size() || name.size() > kPinPrefix.size() + 5)
      continue;
    uint32_t id = 0;
    bool digits = true;
    for (char c : name.substr(kPinPrefix.size())) {
      digits = digits && c >= '0' && c <= '9';
      id = id * 10 + static_cast<uint32_t>(c - '0');
    }
    if (digits) out.push_back(id);
  }
  return out;
}

Result<bool> CgroupLink::attached() const {
  bpf_link_info info{};
  uint32_t len = sizeof(info);
  if (bpf_link_get_info_by_fd(link_.get(), &info, &len) != 0)
    return fail_errno(errno, fmt::format("read BPF link {}", pin_));
  return info.cgroup.cgroup_id != 0;
}

Result<void> CgroupLink::detach() {
  Result<void> out;
  if (link_ && bpf_link_detach(link_.get()) != 0 && errno != ENOLINK)
    out = fail_errno(errno, fmt::format("detach the cgroup link {}", pin_));
  if (::unlink(pin_.c_str()) != 0 && errno != ENOENT && out)
    out = fail_errno(errno, fmt::format("remove the pin {}", pin_));
  link_ = UniqueFd();
  return out;
}

}  // namespace seismo::chaos
