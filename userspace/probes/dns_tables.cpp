#include "probes/dns_tables.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <map>

#include "bpf/percpu.h"

namespace seismo::probes {

static_assert(sizeof(dns_count_key) == 16, "dns_count_key must match bpf/include/seismo/dns.h");
static_assert(sizeof(dns_latency) == 16 + 8 * SEISMO_HIST_SLOTS, "dns_latency must match bpf/include/seismo/dns.h");

namespace {

// Every key of a hash map (keys are copied first: deleting while walking
// would restart the walk).
template <class Key>
std::vector<Key> map_keys(const bpf_map* map) {
  std::vector<Key> keys;
  Key key{}, next{};
  const int fd = bpf_map__fd(map);
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
    if (keys.size() > bpf_map__max_entries(map)) break;  // the map changed under us: enough
  }
  return keys;
}

}  // namespace

void DnsTables::for_each(const std::function<void(uint64_t, const DnsRow&)>& visit) {
  std::map<uint64_t, DnsRow> rows;
  const unsigned cpus = bpf::possible_cpus();
  std::vector<uint64_t> values(cpus);
  for (const auto& key : map_keys<dns_count_key>(counts_)) {
    if (bpf_map_lookup_elem(bpf_map__fd(counts_), &key, values.data()) != 0) continue;
    uint64_t n = 0;
    for (uint64_t v : values) n += v;
    if (key.kind == SEISMO_DNS_COUNT_REQUEST && key.a < SEISMO_DNS_RCODE_BUCKETS && key.b < SEISMO_DNS_QTYPE_BUCKETS)
      rows[key.cgroup_id].requests[key.a][key.b] += n;
    else if (key.kind == SEISMO_DNS_COUNT_MALFORMED && key.a < 2)
      rows[key.cgroup_id].malformed[key.a] += n;
    else
      ++bad_keys_;
  }
  for (uint64_t cgroup_id : map_keys<uint64_t>(latency_)) {
    dns_latency lat{};
    if (bpf_map_lookup_elem(bpf_map__fd(latency_), &cgroup_id, &lat) != 0) continue;
    DnsRow& row = rows[cgroup_id];
    row.latency_count = lat.count;
    row.latency_sum_ns = lat.sum_ns;
    std::copy(std::begin(lat.hist), std::end(lat.hist), row.latency_hist.begin());
  }
  for (const auto& [cgroup_id, row] : rows) visit(cgroup_id, row);
}

void DnsTables::forget_cgroups(const std::vector<uint64_t>& cgroup_ids) {
  if (cgroup_ids.empty()) return;
  for (const auto& key : map_keys<dns_count_key>(counts_))
    if (std::find(cgroup_ids.begin(), cgroup_ids.end(), key.cgroup_id) != cgroup_ids.end())
      bpf_map_delete_elem(bpf_map__fd(counts_), &key);
  for (uint64_t id : cgroup_ids) bpf_map_delete_elem(bpf_map__fd(latency_), &id);
}

std::vector<LossCount> DnsTables::losses() {
  auto raw = bpf::read_loss_counters(losses_);
  return {{"dns_ringbuf_full", raw.at(SEISMO_LOSS_RINGBUF_FULL)},
          {"dns_malformed_event", malformed_events_()},
          {"dns_bad_key", bad_keys_}};
}

}  // namespace seismo::probes
