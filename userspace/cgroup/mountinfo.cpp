#include "cgroup/mountinfo.h"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace seismo::cgroup {
namespace {

std::string decode_octal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
        s[i + 3] <= '7') {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::vector<MountEntry> parse_mountinfo(std::string_view text, size_t* skipped) {
  std::vector<MountEntry> out;
  size_t bad = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    // id parent major:minor root mount_point options [optional...] - fstype source super_options
    auto fields = split_spaces(line);
    size_t sep = 0;
    for (size_t i = 6; i < fields.size(); ++i) {
      if (fields[i] == "-") {
        sep = i;
        break;
      }
    }
    if (sep == 0 || sep + 1 >= fields.size()) {
      ++bad;
      continue;
    }
    MountEntry e;
    e.root = decode_octal(fields[3]);
    e.mount_point = decode_octal(fields[4]);
    e.fs_type = std::string(fields[sep + 1]);
    e.source = sep + 2 < fields.size() ? decode_octal(fields[sep + 2]) : "";
    e.super_options = sep + 3 < fields.size() ? std::string(fields[sep + 3]) : "";
    out.push_back(std::move(e));
  }
  if (skipped) *skipped = bad;
  return out;
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail_errno(errno ? errno : ENOENT, "read " + path);
  std::string data;
  data.resize(max_bytes);
  in.read(data.data(), static_cast<std::streamsize>(max_bytes));
  data.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return fail_errno(EIO, "read " + path);
  return data;
}

Result<MountEntry> find_mount(std::string_view fs_type, const std::string& mountinfo_path) {
  auto text = read_file(mountinfo_path);
  if (!text) return fail(std::move(text).error());
  for (auto& m : parse_mountinfo(*text))
    if (m.fs_type == fs_type) return m;
  return fail_errno(ENOENT, std::string("no ") + std::string(fs_type) + " filesystem is mounted (per " +
                                mountinfo_path + ")");
}

std::optional<MountEntry> find_cgroup1_controller(const std::vector<MountEntry>& mounts, std::string_view controller) {
  for (const auto& m : mounts) {
    if (m.fs_type != "cgroup") continue;
    std::string_view opts = m.super_options;
    while (!opts.empty()) {
      size_t comma = opts.find(',');
      if (opts.substr(0, comma) == controller) return m;
      if (comma == std::string_view::npos) break;
      opts.remove_prefix(comma + 1);
    }
  }
  return std::nullopt;
}

}  // namespace seismo::cgroup
