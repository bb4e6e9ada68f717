#include "chaos/engine_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/bounded_json.h"
#include "common/unique_fd.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {
constexpr int kStateVersion = 1;
}

std::string current_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

Result<std::optional<EngineState>> load_engine_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<EngineState>();
    return fail_errno(errno, "read fault state " + path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = parse_bounded_json(buf.str(), 16, "fault state " + path);
  if (!parsed && parsed.error().code == EBADMSG) return fail_errno(EINVAL, "fault state " + path + " is not JSON");
  if (!parsed) return fail(std::move(parsed).error());
  json doc = std::move(*parsed);
  if (!doc.is_object()) return fail_errno(EINVAL, "fault state " + path + " is not JSON");
  try {
    if (doc.at("version").get<int>() != kStateVersion)
      return fail_errno(EINVAL, fmt::format("fault state {}: unknown version {}", path, doc["version"].dump()));
    EngineState st;
    st.boot_id = doc.at("boot_id").get<std::string>();
    st.next_generation = doc.at("next_generation").get<uint64_t>();
    for (const auto& f : doc.at("faults")) {
      FaultRecord r;
      r.spec = f.at("spec");
      r.placement.slot = f.at("slot").get<uint32_t>();
      r.placement.generation = f.at("generation").get<uint64_t>();
      r.placement.expires_mono_ns = f.at("expires_mono_ns").get<uint64_t>();
      r.placement.created_unix_ms = f.at("created_unix_ms").get<int64_t>();
      r.placement.attach_ids = f.at("attach_ids").get<std::vector<uint32_t>>();
      r.placement.endpoints = f.at("endpoints").get<std::vector<std::string>>();
      if (f.contains("owner_of_attach"))
        r.placement.owner_of_attach = f.at("owner_of_attach").get<std::map<uint32_t, std::string>>();
      if (f.contains("owner_names"))
        r.placement.owner_names = f.at("owner_names").get<std::map<std::string, std::string>>();
      if (f.contains("owner_netns"))
        r.placement.owner_netns = f.at("owner_netns").get<std::map<std::string, uint64_t>>();
      st.faults.push_back(std::move(r));
    }
    for (const auto& d : doc.at("devices")) {
      auto r = device_record_from_json(d);
      if (!r) return fail(std::move(r).error().wrap("fault state " + path));
      st.devices.push_back(std::move(*r));
    }
    return std::optional<EngineState>(std::move(st));
  } catch (const json::exception& e) {
    return fail_errno(EINVAL, fmt::format("fault state {}: {}", path, e.what()));
  }
}

Result<void> save_engine_state(const std::string& path, const EngineState& st) {
  json doc = {{"version", kStateVersion},
              {"boot_id", st.boot_id},
              {"next_generation", st.next_generation},
              {"faults", json::array()},
              {"devices", json::array()}};
  for (const auto& f : st.faults)
    doc["faults"].push_back({{"spec", f.spec},
                             {"slot", f.placement.slot},
                             {"generation", f.placement.generation},
                             {"expires_mono_ns", f.placement.expires_mono_ns},
                             {"created_unix_ms", f.placement.created_unix_ms},
                             {"attach_ids", f.placement.attach_ids},
                             {"endpoints", f.placement.endpoints},
                             {"owner_of_attach", f.placement.owner_of_attach},
                             {"owner_names", f.placement.owner_names},
                             {"owner_netns", f.placement.owner_netns}});
  for (const auto& d : st.devices) doc["devices"].push_back(to_json(d));

  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  const std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return fail_errno(errno, "write fault state " + tmp);
    // Names come from outside (a pod's owner names its devices): bytes
    // that are not UTF-8 become U+FFFD here instead of throwing; the exact
    // device name is kept hex-encoded in the device record.
    const std::string text = doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
    std::string_view rest(text);
    while (!rest.empty()) {
      ssize_t n = ::write(fd.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno(errno, "write fault state " + tmp);
      rest.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd.get()) != 0) return fail_errno(errno, "sync fault state " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail_errno(errno, "replace fault state " + path);
  return {};
}

}  // namespace seismo::chaos
