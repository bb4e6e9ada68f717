#pragma once

// Applies this node's status entry of one NetworkFault (server-side apply on
// /status, fieldManager seismo-node-<node>, force) and, when the object's
// summary no longer matches its node entries, the summary (fieldManager
// seismo-summary). Bounded retries on transport errors, 429 and 5xx; a 404
// (the object was deleted) is not an error.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "cluster/status_body.h"
#include "common/result.h"
#include "pods/kube_client.h"

namespace seismo::cluster {

struct StatusWriterOptions {
  unsigned attempts = 3;                       // per PATCH
  std::chrono::milliseconds retry_delay{250};  // doubled after each attempt
  std::size_t max_body = 4u << 20;
};

struct StatusWriterCounters {
  uint64_t requests = 0;
  uint64_t errors = 0;     // PATCHes that failed after every attempt
  uint64_t summaries = 0;  // summary applies
  uint64_t gone = 0;       // 404: the object had been deleted
};

enum class WriteOutcome { written, gone };

class StatusWriter {
 public:
  StatusWriter(pods::KubeClient client, std::string node, const std::atomic<bool>& stop,
               StatusWriterOptions options = {})
      : client_(std::move(client)), node_(std::move(node)), stop_(stop), options_(options) {}

  // `now_unix`: the entry's `updated` time.
  Result<WriteOutcome> write(const NodeStatusEntry& entry, int64_t now_unix);
  [[nodiscard]] StatusWriterCounters counters() const;

 private:
  // One apply with retries; the answer (200/201 or 404).
  Result<pods::HttpResponse> apply(const std::string& path, const nlohmann::json& body);

  pods::KubeClient client_;
  std::string node_;
  const std::atomic<bool>& stop_;
  StatusWriterOptions options_;
  std::atomic<uint64_t> requests_{0}, errors_{0}, summaries_{0}, gone_{0};
};

}  // namespace seismo::cluster
