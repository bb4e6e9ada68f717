#include "cluster/status_writer.h"

#include <thread>

#include <fmt/format.h>

#include "crd/network_fault.h"

namespace seismo::cluster {
namespace {

constexpr const char* kApplyType = "application/apply-patch+yaml";

bool retryable(long status) { return status == 429 || status >= 500; }

// Sleeps `d` in short steps so stop() is honoured within ~50 ms.
void sleep_unless_stopped(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  auto end = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::string status_path(const std::string& ns, const std::string& name, const std::string& manager) {
  return fmt::format("/apis/{}/namespaces/{}/{}/{}/status?fieldManager={}&force=true", crd::kApiVersion,
                     pods::url_encode(ns), crd::kPlural, pods::url_encode(name), pods::url_encode(manager));
}

}  // namespace

Result<pods::HttpResponse> StatusWriter::apply(const std::string& path, const nlohmann::json& body) {
  std::string text = body.dump();
  auto delay = options_.retry_delay;
  std::string last;
  for (unsigned attempt = 0; attempt < options_.attempts && !stop_.load(); ++attempt) {
    if (attempt > 0) {
      sleep_unless_stopped(delay, stop_);
      delay *= 2;
    }
    ++requests_;
    auto r = client_.patch(path, kApplyType, text, options_.max_body, stop_);
    if (!r) {
      last = r.error().message();
      continue;
    }
    if (r->status == 200 || r->status == 201 || r->status == 404) return r;
    last = fmt::format("PATCH {}: HTTP {}: {}", path, r->status, r->body.substr(0, 512));
    if (!retryable(r->status)) break;
  }
  ++errors_;
  if (last.empty()) last = fmt::format("PATCH {}: stopped", path);
  return fail_plain(std::move(last));
}

Result<WriteOutcome> StatusWriter::write(const NodeStatusEntry& entry, int64_t now_unix) {
  std::string now = rfc3339(now_unix);
  auto r = apply(status_path(entry.namespace_name, entry.name, "seismo-node-" + node_),
                 node_entry_body(entry, node_, now));
  if (!r) return fail(std::move(r).error());
  if (r->status == 404) {
    ++gone_;
    return WriteOutcome::gone;
  }
  auto object = nlohmann::json::parse(r->body, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return fail_plain("status apply: the answer is not a JSON object");
  auto summary = summary_of(object);
  if (!summary_differs(object, summary)) return WriteOutcome::written;
  auto s = apply(status_path(entry.namespace_name, entry.name, "seismo-summary"), summary_body(object, summary, now));
  if (!s) return fail(std::move(s).error().wrap("summary"));
  ++summaries_;
  return s->status == 404 ? WriteOutcome::gone : WriteOutcome::written;
}

StatusWriterCounters StatusWriter::counters() const {
  return {requests_.load(), errors_.load(), summaries_.load(), gone_.load()};
}

}  // namespace seismo::cluster
