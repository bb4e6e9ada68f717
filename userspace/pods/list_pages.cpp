// One paginated list (client-go's tools/pager): limit/continue pages, a
// restart from the first page when the continue token expired.
#include <cerrno>

#include <fmt/format.h>

#include "pods/list_watch.h"

namespace seismo::pods {
namespace {

constexpr long kHttpOk = 200;
constexpr long kHttpGone = 410;
constexpr unsigned kMaxExpiredRestarts = 3;

std::string page_query(const ListWatchOptions& o, const std::string& cont) {
  std::string q = o.path;
  char sep = '?';
  auto add = [&](std::string_view key, const std::string& value) {
    q += fmt::format("{}{}={}", sep, key, url_encode(value));
    sep = '&';
  };
  if (o.page_size > 0) add("limit", std::to_string(o.page_size));
  if (!o.label_selector.empty()) add("labelSelector", o.label_selector);
  if (!o.field_selector.empty()) add("fieldSelector", o.field_selector);
  if (!cont.empty()) add("continue", cont);
  return q;
}

// One page's body: its items appended to out, its continue token returned.
Result<std::string> read_page(const std::string& body, const ListWatchOptions& o, ListResult& out) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail_plain("body is not a JSON object");
  auto items = doc.find("items");
  if (items == doc.end() || !(items->is_array() || items->is_null())) {
    return fail_plain("field 'items': missing or not an array");
  }
  auto meta = doc.find("metadata");
  if (meta == doc.end() || !meta->is_object()) return fail_plain("field 'metadata': missing or not an object");
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || !rv->is_string() || rv->get_ref<const std::string&>().empty()) {
    return fail_plain("field 'metadata.resourceVersion': missing or not a string");
  }
  std::string cont;
  if (auto c = meta->find("continue"); c != meta->end() && !c->is_null()) {
    if (!c->is_string()) return fail_plain("field 'metadata.continue': not a string");
    cont = c->get<std::string>();
  }
  if (items->is_array()) {
    for (auto& item : *items) {
      if (item.dump().size() > o.max_object_bytes) {
        ++out.oversized;
        continue;
      }
      if (out.items.size() >= o.max_objects) {
        return fail_plain(fmt::format("more than {} objects (max_objects)", o.max_objects));
      }
      out.items.push_back(std::move(item));
    }
  }
  out.resource_version = rv->get<std::string>();
  return cont;
}

}  // namespace

Result<void> check_list_watch_options(const ListWatchOptions& o) {
  if (o.path.empty() || o.path.front() != '/' || o.path.find_first_of("?# ") != std::string::npos) {
    return fail_plain(fmt::format("list/watch: path '{}' is not an API collection path", o.path));
  }
  if (o.max_object_bytes == 0 || o.max_page_bytes == 0 || o.max_objects == 0) {
    return fail_plain("list/watch: max_object_bytes, max_page_bytes and max_objects must be positive");
  }
  if (o.watch_idle_timeout.count() < 0) return fail_plain("list/watch: watch_idle_timeout must not be negative");
  return {};
}

Result<void> list_pages(const KubeClient& client, const ListWatchOptions& options, const std::atomic<bool>& stop,
                        ListResult& out) {
  if (auto ok = check_list_watch_options(options); !ok) return ok;
  out.items.clear();
  std::string cont;
  // Every page but the last carries a token, and a page may be short, so
  // a server that never ends is bounded by the page count too.
  const uint64_t max_pages = options.max_objects + 1;
  uint64_t pages_this_list = 0;
  while (!stop) {
    if (++pages_this_list > max_pages) return fail_plain(fmt::format("list {}: more than {} pages", options.path, max_pages));
    ++out.pages;
    auto resp = client.get(page_query(options, cont), options.max_page_bytes, stop, options.watch_idle_timeout);
    if (!resp) return fail(resp.error().wrap(fmt::format("list {}", options.path)));
    if (resp->status == kHttpGone && !cont.empty()) {
      // The token's snapshot left the server's window. client-go's pager
      // falls back to a full list; we start over from the first page (so
      // a page stays bounded) and count it.
      if (++out.expired_continues > kMaxExpiredRestarts) {
        return fail_plain(fmt::format("list {}: continue token expired {} times", options.path, out.expired_continues));
      }
      out.items.clear();
      cont.clear();
      pages_this_list = 0;
      continue;
    }
    if (resp->status != kHttpOk) return fail_plain(fmt::format("list {}: HTTP {}", options.path, resp->status));
    auto next = read_page(resp->body, options, out);
    if (!next) return fail(next.error().wrap(fmt::format("list {}", options.path)));
    if (next->empty()) return {};
    cont = std::move(*next);
  }
  return fail_errno(ECANCELED, fmt::format("list {}: stopped", options.path));
}

Result<ListResult> list_all(const KubeClient& client, const ListWatchOptions& options, const std::atomic<bool>& stop) {
  ListResult out;
  auto ok = list_pages(client, options, stop, out);
  if (!ok) return fail(ok.error());
  return out;
}

}  // namespace seismo::pods
