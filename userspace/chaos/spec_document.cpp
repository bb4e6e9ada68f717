#include "chaos/spec_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "common/bounded_json.h"

namespace seismo::chaos {

using nlohmann::json;

namespace {

// A plain (unquoted) YAML scalar becomes a number, bool or null when it
// reads as one; quoted scalars stay strings.
json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  int64_t i = 0;
  auto [ip, iec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (iec == std::errc() && ip == s.data() + s.size()) return i;
  double d = 0;
  auto [dp, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (dec == std::errc() && dp == s.data() + s.size()) return d;
  return s;
}

// `budget`: values still allowed. An alias repeats its anchor's whole
// subtree, so a few hundred bytes of nested aliases name millions of values.
// `path` names the node in errors ("faults[0].loss").
Result<json> yaml_to_json(const YAML::Node& node, int depth, size_t& budget, const std::string& path) {
  if (depth > kMaxSpecDocumentDepth)
    return fail_errno(EINVAL, fmt::format("fault document nests deeper than {} levels (at {})", kMaxSpecDocumentDepth,
                                          path));
  if (budget == 0)
    return fail_errno(EINVAL, fmt::format("document expands to more than {} values (YAML aliases repeat what their "
                                          "anchor names); that is the limit",
                                          kMaxSpecDocumentNodes));
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return json(nullptr);
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) {
        auto v = yaml_to_json(item, depth + 1, budget, fmt::format("{}[{}]", path, out.size()));
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar())
          return fail_errno(EINVAL, fmt::format("line {}: a key must be a plain string", kv.first.Mark().line + 1));
        const std::string& key = kv.first.Scalar();
        if (out.contains(key))  // yaml-cpp keeps both; a reader would take either
          return fail_errno(EINVAL, fmt::format("{}duplicate key '{}'", path.empty() ? "" : path + ": ", key));
        auto v = yaml_to_json(kv.second, depth + 1, budget, path.empty() ? key : path + "." + key);
        if (!v) return v;
        out[key] = std::move(*v);
      }
      return out;
    }
  }
  return json(nullptr);
}

// yaml-cpp 0.7's LoadAll loops for ever, growing memory, when a document
// does not consume its first token (a ',' at block level, e.g. ",a"): it
// keeps returning empty documents that start at the same place. Walk the
// documents once with a handler that only notes where each starts, and
// refuse the text when one starts where the previous one did.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  YAML::Mark start = YAML::Mark::null_mark();
};

Result<void> check_documents_advance(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {
    if (starts.start.pos == previous)
      return fail_errno(EINVAL, fmt::format("malformed YAML: line {}, column {}: unexpected token outside a flow "
                                            "collection (a stray ',')",
                                            starts.start.line + 1, starts.start.column + 1));
    previous = starts.start.pos;
  }
  return {};
}

Result<void> append_faults(const json& doc, std::vector<json>& out) {
  if (doc.is_null()) return {};
  if (doc.is_array()) {
    for (const auto& f : doc) out.push_back(f);
  } else if (doc.is_object() && doc.contains("faults") && doc.size() == 1) {
    if (!doc["faults"].is_array()) return fail_errno(EINVAL, "faults: must be a list of faults");
    for (const auto& f : doc["faults"]) out.push_back(f);
  } else if (doc.is_object()) {
    out.push_back(doc);
  } else {
    return fail_errno(EINVAL, "document must be a fault object, a list of faults or {\"faults\": [...]}");
  }
  if (out.size() > kMaxFaultsPerDocument)
    return fail_errno(EINVAL, fmt::format("document holds more than {} faults", kMaxFaultsPerDocument));
  return {};
}

}  // namespace

Result<std::vector<json>> parse_spec_document(std::string_view text) {
  if (text.size() > kMaxSpecDocumentBytes)
    return fail_errno(EMSGSIZE, fmt::format("fault document of {} bytes exceeds the {} byte limit", text.size(),
                                            kMaxSpecDocumentBytes));
  std::vector<json> out;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return fail_errno(EINVAL, "fault document is empty");
  if (text[first] == '{' || text[first] == '[') {
    auto doc = parse_bounded_json(text, kMaxSpecDocumentDepth, "fault document");
    if (!doc && doc.error().code == EBADMSG) return fail_errno(EINVAL, "malformed JSON: " + doc.error().message());
    if (!doc) return fail(std::move(doc).error());
    if (auto r = append_faults(*doc, out); !r) return fail(std::move(r).error());
    if (out.empty()) return fail_errno(EINVAL, "fault document holds no fault");
    return out;
  }
  size_t budget = kMaxSpecDocumentNodes;
  try {
    std::string yaml(text);
    if (auto r = check_documents_advance(yaml); !r) return fail(std::move(r).error());
    for (const auto& node : YAML::LoadAll(yaml)) {
      auto doc = yaml_to_json(node, 0, budget, "");
      if (!doc) return fail(std::move(doc).error());
      if (auto r = append_faults(*doc, out); !r) return fail(std::move(r).error());
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its parser recurses; it stops at a fixed depth
    // far beyond ours, before the stack runs out): the same limit, named.
    return fail_errno(EINVAL, fmt::format("line {}, column {}: fault document nests deeper than {} levels",
                                          e.mark.line + 1, e.mark.column + 1, kMaxSpecDocumentDepth));
  } catch (const YAML::Exception& e) {
    return fail_errno(EINVAL, fmt::format("malformed YAML: line {}, column {}: {}", e.mark.line + 1,
                                          e.mark.column + 1, e.msg));
  }
  if (out.empty()) return fail_errno(EINVAL, "fault document holds no fault");
  return out;
}

}  // namespace seismo::chaos
