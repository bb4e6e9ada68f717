#include "net/netns_census.h"

#include <cctype>
#include <filesystem>
#include <set>
#include <utility>

namespace seismo::net {

NetnsCensus reachable_namespaces(const std::vector<std::string>& first, size_t limit, size_t max_processes) {
  NetnsCensus out;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  auto offer = [&](const std::string& path) {
    if (out.namespaces.size() >= limit) {
      out.truncated = true;
      return false;
    }
    auto ns = Netns::open(path);
    if (ns && seen.emplace(ns->device(), ns->inode()).second) out.namespaces.push_back(std::move(*ns));
    return true;
  };
  offer("/proc/thread-self/ns/net");
  for (const auto& p : first)
    if (!p.empty()) offer(p);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/run/netns", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    if (!offer(it->path().string())) return out;
  size_t processes = 0;
  for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    if (++processes > max_processes) {
      out.truncated = true;
      break;
    }
    if (!offer("/proc/" + name + "/ns/net")) break;
  }
  return out;
}

}  // namespace seismo::net
