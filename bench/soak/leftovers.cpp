#include "leftovers.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace seismo::bench {

long tc_objects(const testing::TestNetns& ns, const std::string& dev) {
  long count = 0;
  auto qdiscs = testing::run_command({"tc", "-n", ns.name(), "qdisc", "show", "dev", dev});
  if (qdiscs.status != 0) return -1;
  std::istringstream q(qdiscs.output);
  for (std::string line; std::getline(q, line);)
    if (line.rfind("qdisc ", 0) == 0 && line.rfind("qdisc noqueue ", 0) != 0) ++count;
  for (const char* hook : {"ingress", "egress"}) {
    auto filters = testing::run_command({"tc", "-n", ns.name(), "filter", "show", "dev", dev, hook});
    if (filters.status != 0) continue;  // no clsact: no hook to list
    std::istringstream f(filters.output);
    // tc prints a filter's priority line, then one line per handle.
    for (std::string line; std::getline(f, line);)
      if (line.rfind("filter ", 0) == 0 && line.find(" handle ") != std::string::npos) ++count;
  }
  return count;
}

CgroupCounts cgroup_counts(const std::string& dir) {
  CgroupCounts c;
  std::ifstream in(dir + "/cgroup.stat");
  std::string key;
  for (long value; in >> key >> value;) {
    if (key == "nr_descendants") c.descendants = value;
    if (key == "nr_dying_descendants") c.dying = value;
  }
  return c;
}

long state_file_entries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return -1;
  long n = 0;
  for (const char* key : {"faults", "devices"})
    if (doc.contains(key) && doc[key].is_array()) n += static_cast<long>(doc[key].size());
  return n;
}

}  // namespace seismo::bench
