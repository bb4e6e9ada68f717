// The control socket as a client writes it: bytes split into lines the way
// the server does, each line through parse_request, then the method's own
// parameter checks (top, pods filters, trace.*, fault.add, fault.apply),
// and the response the server would write. Invariants: a request that
// parses round-trips through serialize_request; every response is one
// line of valid JSON with the request's id.
#include "api/protocol.h"
#include "chaos/spec_document.h"
#include "daemon/control_methods.h"
#include "fault_round_trip.h"

using namespace seismo;
using nlohmann::json;

namespace {

class NoLabels : public metrics::CgroupLabeler {
 public:
  void begin_pass() override {}
  std::optional<metrics::Labels> labels(uint64_t id) override { return metrics::Labels{{"cgroup", std::to_string(id)}}; }
  metrics::Labels overflow_labels() const override { return {}; }
  std::optional<std::string> name(uint64_t id) override { return std::to_string(id); }
};

// What the daemon's routes do with params before they reach the kernel.
Result<json> dispatch(const api::Request& req, bool pods_enabled) {
  static metrics::Scraper scraper(std::make_unique<NoLabels>(), 100, {});
  daemon::PodOfCgroupId pod_of;
  if (pods_enabled) pod_of = [](uint64_t) { return std::optional<pods::PodAttribution>(); };
  if (req.method == "top") return daemon::top_snapshot(scraper, req.params, pod_of);
  if (req.method == "pods") {
    auto f = pods::PodFilter::from_params(req.params);
    if (!f) return fail(std::move(f).error());
    return json::object();
  }
  if (req.method.starts_with("trace.")) {
    if (auto r = daemon::validate_trace_params(req.params, pods_enabled); !r) return fail(std::move(r).error());
    return json::object();
  }
  if (req.method == "fault.add") {
    fuzz::check_fault_round_trip(req.params);
    auto spec = chaos::parse_fault_spec(req.params);
    if (!spec) return fail(std::move(spec).error());
    return chaos::to_json(*spec);
  }
  if (req.method == "fault.apply") {
    auto doc = req.params.find("document");
    if (doc == req.params.end() || !doc->is_string()) return fail_errno(EINVAL, "field 'document'");
    auto items = chaos::parse_spec_document(doc->get_ref<const std::string&>());
    if (!items) return fail(std::move(items).error());
    for (const auto& item : *items) fuzz::check_fault_round_trip(item);
    return json::object();
  }
  return fail_errno(EINVAL, "unknown method");
}

void check_response(const std::string& line, uint64_t id) {
  fuzz::check(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1, "one line per response");
  auto doc = json::parse(line, nullptr, false);
  fuzz::check(!doc.is_discarded() && doc.is_object(), "a response is a JSON object: " + line);
  fuzz::check(doc["id"] == id && doc["v"] == api::kProtocolVersion, "a response carries the id and version");
}

void handle_line(std::string_view line, bool pods_enabled) {
  if (line.empty()) return;
  auto req = api::parse_request(line);
  if (!req) {
    int code = req.error().code;
    fuzz::check(code == EINVAL || code == EMSGSIZE || code == EPROTONOSUPPORT, "request errors are EINVAL/EMSGSIZE/EPROTONOSUPPORT");
    fuzz::check(api::error_code(req.error()) == "invalid_request", "a bad request is invalid_request");
    check_response(api::error_response(0, req.error()), 0);
    return;
  }
  fuzz::check(req->params.is_object() && !req->method.empty() && req->method.size() <= 64, "a request is well formed");
  auto wire = api::serialize_request(*req);
  auto again = api::parse_request(std::string_view(wire).substr(0, wire.size() - 1));
  fuzz::check(again && again->id == req->id && again->method == req->method && again->params == req->params,
              "a request round-trips through serialize_request");
  auto result = dispatch(*req, pods_enabled);
  check_response(result ? api::ok_response(req->id, *result) : api::error_response(req->id, result.error()), req->id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  // Both daemon setups: with and without the Kubernetes API.
  for (bool pods_enabled : {false, true}) {
    for (size_t start = 0; start < text.size();) {
      size_t nl = text.find('\n', start);
      if (nl == std::string_view::npos) break;  // the server waits for the rest of a line
      handle_line(text.substr(start, nl - start), pods_enabled);
      start = nl + 1;
    }
  }
  return 0;
}
