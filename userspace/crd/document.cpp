#include "crd/document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "common/bounded_json.h"
#include "crd/network_chaos.h"

namespace seismo::crd {

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
Result<json> yaml_to_json(const YAML::Node& node, int depth, size_t& budget, const std::string& path,
                          std::string_view what) {
  if (depth > kMaxDocumentDepth)
    return fail_errno(EINVAL, fmt::format("{} nests deeper than {} levels (at {})", what, kMaxDocumentDepth, path));
  if (budget == 0)
    return fail_errno(EINVAL, fmt::format("document expands to more than {} values (YAML aliases repeat what their "
                                          "anchor names); that is the limit",
                                          kMaxDocumentNodes));
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return json(nullptr);
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) {
        auto v = yaml_to_json(item, depth + 1, budget, fmt::format("{}[{}]", path, out.size()), what);
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
        auto v = yaml_to_json(kv.second, depth + 1, budget, path.empty() ? key : path + "." + key, what);
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

Result<std::vector<json>> read_yaml(std::string_view text, std::string_view what) {
  std::vector<json> out;
  size_t budget = kMaxDocumentNodes;
  try {
    std::string yaml(text);
    if (auto r = check_documents_advance(yaml); !r) return fail(std::move(r).error());
    for (const auto& node : YAML::LoadAll(yaml)) {
      auto doc = yaml_to_json(node, 0, budget, "", what);
      if (!doc) return fail(std::move(doc).error());
      out.push_back(std::move(*doc));
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own guard (its parser recurses; it stops at a fixed depth
    // far beyond ours, before the stack runs out): the same limit, named.
    return fail_errno(EINVAL, fmt::format("line {}, column {}: {} nests deeper than {} levels", e.mark.line + 1,
                                          e.mark.column + 1, what, kMaxDocumentDepth));
  } catch (const YAML::Exception& e) {
    return fail_errno(EINVAL,
                      fmt::format("malformed YAML: line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return out;
}

}  // namespace

Result<std::vector<json>> read_documents(std::string_view text, std::string_view what) {
  if (text.size() > kMaxDocumentBytes)
    return fail_errno(EMSGSIZE,
                      fmt::format("{} of {} bytes exceeds the {} byte limit", what, text.size(), kMaxDocumentBytes));
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return fail_errno(EINVAL, fmt::format("{} is empty", what));
  if (text[first] == '{' || text[first] == '[') {
    auto doc = parse_bounded_json(text, kMaxDocumentDepth, what);
    if (!doc && doc.error().code == EBADMSG) return fail_errno(EINVAL, "malformed JSON: " + doc.error().message());
    if (!doc) return fail(std::move(doc).error());
    return std::vector<json>{std::move(*doc)};
  }
  return read_yaml(text, what);
}

}  // namespace seismo::crd
