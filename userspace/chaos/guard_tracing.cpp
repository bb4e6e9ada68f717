#include "chaos/guard_tracing.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "chaos.skel.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "doctor/attach_probe.h"

namespace seismo::chaos {

namespace {

// The programs, by their tp_btf name; the raw_tp one adds "_raw".
constexpr std::array<std::string_view, 4> kHooks = {"guard_state", "guard_retrans", "guard_rst_tx", "guard_rst_rx"};

struct SkelDeleter {
  void operator()(chaos_bpf* s) const noexcept { chaos_bpf__destroy(s); }
};
using Skel = std::unique_ptr<chaos_bpf, SkelDeleter>;

std::string pin_of(const std::string& pin_dir, std::string_view hook) { return fmt::format("{}/{}", pin_dir, hook); }

// Opens the object over the pinned maps and loads only the guard programs
// of one flavour.
Result<Skel> load(const std::string& pin_dir, bool raw) {
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir.c_str());
  Skel skel(chaos_bpf__open_opts(&opts));
  if (!skel) return fail_errno(errno ? errno : ENOMEM, "open chaos BPF object (guards)");
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    const std::string_view sec = bpf_program__section_name(prog);
    const bool wanted = raw ? sec.starts_with("raw_tp/") : sec.starts_with("tp_btf/");
    bpf_program__set_autoload(prog, wanted && std::string_view(bpf_program__name(prog)).starts_with("guard_"));
  }
  // Newer kernels fire tcp_retransmit_skb for failed attempts too, with the
  // error as a third argument (bpf/lib/tcp_retrans.bpf.h).
  skel->rodata->cfg_retrans_err_arg = doctor::tracepoint_arg_is_int("tcp_retransmit_skb", 2) ? 1 : 0;
  if (int err = chaos_bpf__load(skel.get()); err != 0)
    return fail_errno(-err, fmt::format("load the guards' TCP programs ({}) over the maps pinned under {}",
                                        raw ? "raw_tp" : "tp_btf", pin_dir));
  return skel;
}

bool is_link(const std::string& pin) {
  UniqueFd fd(bpf_obj_get(pin.c_str()));
  if (!fd) return false;
  bpf_link_info info{};
  uint32_t len = sizeof(info);
  return bpf_link_get_info_by_fd(fd.get(), &info, &len) == 0 &&
         (info.type == BPF_LINK_TYPE_TRACING || info.type == BPF_LINK_TYPE_RAW_TRACEPOINT);
}

Result<void> attach_all(chaos_bpf* skel, const std::string& pin_dir, bool raw) {
  for (std::string_view hook : kHooks) {
    const std::string name = raw ? fmt::format("{}_raw", hook) : std::string(hook);
    bpf_program* prog = bpf_object__find_program_by_name(skel->obj, name.c_str());
    if (!prog) return fail_errno(ENOENT, fmt::format("the chaos object has no program {}", name));
    bpf_link* link = bpf_program__attach(prog);
    if (!link) return fail_errno(errno, fmt::format("attach {}", name));
    const std::string pin = pin_of(pin_dir, hook);
    ::unlink(pin.c_str());
    const int err = bpf_link__pin(link, pin.c_str());
    bpf_link__destroy(link);  // the pin holds it now (or nothing does)
    if (err != 0) return fail_errno(-err, fmt::format("pin the link of {} at {}", name, pin));
  }
  return {};
}

}  // namespace

std::vector<std::string> guard_tracing_pins(const std::string& pin_dir) {
  std::vector<std::string> out;
  for (std::string_view hook : kHooks) out.push_back(pin_of(pin_dir, hook));
  return out;
}

std::vector<uint32_t> guard_tracing_program_ids(const std::string& pin_dir) {
  std::vector<uint32_t> out;
  for (const auto& pin : guard_tracing_pins(pin_dir)) {
    UniqueFd fd(bpf_obj_get(pin.c_str()));
    bpf_link_info info{};
    uint32_t len = sizeof(info);
    if (fd && bpf_link_get_info_by_fd(fd.get(), &info, &len) == 0) out.push_back(info.prog_id);
  }
  return out;
}

bool guard_tracing_pinned(const std::string& pin_dir) {
  for (const auto& pin : guard_tracing_pins(pin_dir))
    if (!is_link(pin)) return false;
  return true;
}

Result<void> remove_guard_tracing(const std::string& pin_dir) {
  Result<void> out;
  for (const auto& pin : guard_tracing_pins(pin_dir))
    if (::unlink(pin.c_str()) != 0 && errno != ENOENT && out)
      out = fail_errno(errno, fmt::format("remove the pin {}", pin));
  return out;
}

Result<GuardTracingStatus> ensure_guard_tracing(const std::string& pin_dir) {
  if (guard_tracing_pinned(pin_dir)) return GuardTracingStatus{true, "", ""};
  GuardTracingStatus status;
  for (bool raw : {false, true}) {
    auto skel = load(pin_dir, raw);
    if (!skel) {
      if (raw) return fail_plain(status.fallback_reason + "; " + skel.error().message());
      status.fallback_reason = skel.error().message();
      log::warn("guards: tp_btf unavailable ({}), trying raw_tp", status.fallback_reason);
      continue;
    }
    if (auto r = attach_all(skel->get(), pin_dir, raw); !r) {
      (void)remove_guard_tracing(pin_dir);
      return fail(std::move(r).error());
    }
    status.attached = true;
    status.flavour = raw ? "raw_tp" : "tp_btf";
    return status;
  }
  return fail_errno(ENOENT, "guards: no hook flavour loaded");
}

}  // namespace seismo::chaos
