#include "chaos/device_record.h"

#include <cerrno>
#include <string_view>

#include <fmt/format.h>

namespace seismo::chaos {

using nlohmann::json;

namespace {

std::string to_hex(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::optional<std::vector<uint8_t>> from_hex(const std::string& text) {
  if (text.size() % 2) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(text.c_str() + i, "%2x", &v) != 1) return std::nullopt;
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

}  // namespace

json to_json(const DeviceRecord& r) {
  json doc = {{"netns_inode", r.key.netns_inode},
              {"netns_device", r.key.netns_device},
              {"ifindex", r.key.ifindex},
              {"netns_path", r.netns_path},
              {"ifname", r.ifname},  // for people; may hold U+FFFD once written
              {"ifname_hex", to_hex(std::string_view(r.ifname))},  // the exact bytes
              {"clsact_created", r.clsact_created},
              {"fq_installed", r.fq_installed},
              {"attachments", json::array()}};
  if (r.previous_root) {
    doc["previous_root"] = {{"kind", r.previous_root->kind},
                            {"handle", r.previous_root->handle},
                            {"parent", r.previous_root->parent},
                            {"options", to_hex(r.previous_root->options)}};
  }
  for (const auto& a : r.attachments)
    doc["attachments"].push_back(
        {{"attach_id", a.attach_id}, {"hook", net::tc_hook_name(a.hook)}, {"peer_is_src", a.peer_is_src}});
  return doc;
}

Result<DeviceRecord> device_record_from_json(const json& doc) {
  try {
    DeviceRecord r;
    r.key.netns_inode = doc.at("netns_inode").get<uint64_t>();
    r.key.netns_device = doc.at("netns_device").get<uint64_t>();
    r.key.ifindex = doc.at("ifindex").get<int>();
    r.netns_path = doc.at("netns_path").get<std::string>();
    r.ifname = doc.at("ifname").get<std::string>();
    if (auto hex = doc.find("ifname_hex"); hex != doc.end()) {
      auto bytes = from_hex(hex->get<std::string>());
      if (!bytes || bytes->empty() || bytes->size() >= 16)
        return fail_errno(EINVAL, "device record: ifname_hex is not a hex-encoded interface name");
      r.ifname.assign(bytes->begin(), bytes->end());
    }
    r.clsact_created = doc.at("clsact_created").get<bool>();
    r.fq_installed = doc.at("fq_installed").get<bool>();
    if (auto it = doc.find("previous_root"); it != doc.end()) {
      net::Qdisc q;
      q.kind = it->at("kind").get<std::string>();
      q.handle = it->at("handle").get<uint32_t>();
      q.parent = it->at("parent").get<uint32_t>();
      auto opts = from_hex(it->at("options").get<std::string>());
      if (!opts) return fail_errno(EINVAL, "device record: previous_root.options is not hex");
      q.options = std::move(*opts);
      r.previous_root = std::move(q);
    }
    for (const auto& a : doc.at("attachments")) {
      AttachmentRecord ar;
      ar.attach_id = a.at("attach_id").get<uint32_t>();
      ar.hook = a.at("hook").get<std::string>() == "ingress" ? net::TcHook::ingress : net::TcHook::egress;
      ar.peer_is_src = a.at("peer_is_src").get<bool>();
      r.attachments.push_back(ar);
    }
    return r;
  } catch (const json::exception& e) {
    return fail_errno(EINVAL, fmt::format("device record: {}", e.what()));
  }
}

}  // namespace seismo::chaos
