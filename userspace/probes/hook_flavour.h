#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bpf/skeleton.h"
#include "common/log.h"

namespace seismo::probes {

// Tracepoint programs ship as tp_btf (typed arguments, cheaper) and raw_tp
// (older kernels, no BTF-typed context). Userspace picks by trying tp_btf
// first; the reason for a fallback is kept for `seismo status`.
enum class HookFlavour { tp_btf, raw_tp };

inline const char* flavour_name(HookFlavour f) { return f == HookFlavour::tp_btf ? "tp_btf" : "raw_tp"; }

// Sets autoload on programs: those whose section starts with the flavour's
// prefix ("tp_btf/" or "raw_tp/") load; the other flavour does not.
inline Result<void> select_flavour(bpf_object* obj, HookFlavour flavour) {
  const std::string keep = std::string(flavour_name(flavour)) + "/";
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    std::string sec = bpf_program__section_name(prog);
    bool is_tp = sec.rfind("tp_btf/", 0) == 0 || sec.rfind("raw_tp/", 0) == 0;
    if (!is_tp) continue;
    if (int err = bpf_program__set_autoload(prog, sec.rfind(keep, 0) == 0); err)
      return fail_errno(err, std::string("set autoload of ") + bpf_program__name(prog));
  }
  return {};
}

template <class Ptr>
struct FlavouredSkeleton {
  Ptr skel;
  HookFlavour flavour;
  std::string fallback_reason;  // empty when tp_btf loaded
};

// `only` pins one flavour (tests load each; users may force raw_tp).
template <class Ptr>
Result<FlavouredSkeleton<Ptr>> load_with_fallback(
    typename Ptr::pointer (*open)(const bpf_object_open_opts*), int (*load)(typename Ptr::pointer),
    const std::function<Result<void>(typename Ptr::pointer)>& configure, const std::string& what,
    std::optional<HookFlavour> only = std::nullopt) {
  std::string fallback_reason;
  for (HookFlavour flavour : {HookFlavour::tp_btf, HookFlavour::raw_tp}) {
    if (only && flavour != *only) continue;
    auto skel = bpf::open_and_load<Ptr>(
        open, load,
        [&](typename Ptr::pointer s) -> Result<void> {
          if (auto r = select_flavour(s->obj, flavour); !r) return r;
          return configure ? configure(s) : Result<void>{};
        },
        what + " (" + flavour_name(flavour) + ")");
    if (skel) return FlavouredSkeleton<Ptr>{std::move(*skel), flavour, fallback_reason};
    if (flavour == HookFlavour::raw_tp || only) {
      if (!fallback_reason.empty()) return fail_plain(fallback_reason + "; " + skel.error().message());
      return fail(std::move(skel).error());
    }
    fallback_reason = skel.error().message();
    log::warn("{}: tp_btf unavailable ({}), trying raw_tp", what, fallback_reason);
  }
  return fail_plain(what + ": no hook flavour loaded");
}

}  // namespace seismo::probes
