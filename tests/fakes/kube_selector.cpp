#include "kube_selector.h"

#include <algorithm>
#include <cctype>

namespace seismo::fakes {
namespace {

using Op = KubeSelector::Term::Op;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Label keys (optional DNS prefix + '/') and values: upstream validates
// qualified names and label values; the fake accepts their alphabet.
bool valid_token(std::string_view s, bool key) {
  if (s.empty()) return !key;
  if (s.size() > (key ? 316u : 63u)) return false;
  return std::all_of(s.begin(), s.end(), [key](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || (key && c == '/');
  });
}

// Splits on commas outside parentheses (`a in (x,y),b` is two requirements).
std::vector<std::string_view> split_requirements(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return parts;
}

Result<KubeSelector::Term> parse_set_term(std::string_view key, std::string_view rest, Op op) {
  rest = trim(rest);
  if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
    return fail_plain("unable to parse requirement: expected '(' and ')' after the operator for key '" +
                      std::string(key) + "'");
  }
  KubeSelector::Term term{std::string(key), op, {}};
  for (auto v : split_requirements(rest.substr(1, rest.size() - 2))) {
    if (!valid_token(v, false)) return fail_plain("invalid label value: '" + std::string(v) + "'");
    term.values.emplace_back(v);
  }
  return term;
}

Result<KubeSelector::Term> parse_label_term(std::string_view req) {
  if (req.empty()) return fail_plain("unable to parse requirement: found '', expected: identifier");
  if (req.front() == '!') {
    auto key = trim(req.substr(1));
    if (!valid_token(key, true)) return fail_plain("invalid label key: '" + std::string(key) + "'");
    return KubeSelector::Term{std::string(key), Op::kNotExists, {}};
  }
  std::size_t end = 0;
  while (end < req.size() && !std::isspace(static_cast<unsigned char>(req[end])) && req[end] != '=' &&
         req[end] != '!') {
    ++end;
  }
  auto key = req.substr(0, end);
  if (!valid_token(key, true)) return fail_plain("invalid label key: '" + std::string(key) + "'");
  auto rest = trim(req.substr(end));
  if (rest.empty()) return KubeSelector::Term{std::string(key), Op::kExists, {}};
  Op op = Op::kEquals;
  std::size_t skip = 0;
  if (rest.starts_with("==")) {
    skip = 2;
  } else if (rest.starts_with("!=")) {
    op = Op::kNotEquals, skip = 2;
  } else if (rest.starts_with("=")) {
    skip = 1;
  } else if (rest.starts_with("notin") && rest.size() > 5 && (rest[5] == ' ' || rest[5] == '(')) {
    return parse_set_term(key, rest.substr(5), Op::kNotIn);
  } else if (rest.starts_with("in") && rest.size() > 2 && (rest[2] == ' ' || rest[2] == '(')) {
    return parse_set_term(key, rest.substr(2), Op::kIn);
  } else {
    return fail_plain("unable to parse requirement: unknown operator in '" + std::string(req) + "'");
  }
  auto value = trim(rest.substr(skip));
  if (!valid_token(value, false)) return fail_plain("invalid label value: '" + std::string(value) + "'");
  return KubeSelector::Term{std::string(key), op, {std::string(value)}};
}

}  // namespace

Result<KubeSelector> KubeSelector::parse_labels(std::string_view text) {
  KubeSelector sel;
  if (trim(text).empty()) return sel;
  for (auto req : split_requirements(text)) {
    auto term = parse_label_term(req);
    if (!term)
      return fail_plain("couldn't parse the selector string \"" + std::string(text) + "\": " + term.error().context);
    sel.terms_.push_back(std::move(*term));
  }
  return sel;
}

Result<KubeSelector> KubeSelector::parse_fields(std::string_view text, const std::vector<std::string>& supported) {
  KubeSelector sel;
  sel.fields_ = true;
  if (trim(text).empty()) return sel;
  for (auto req : split_requirements(text)) {
    auto pos = req.find('=');
    if (pos == std::string_view::npos || pos == 0) {
      return fail_plain("invalid selector: '" + std::string(text) + "'; can't understand '" + std::string(req) + "'");
    }
    Op op = Op::kEquals;
    auto key = req.substr(0, pos);
    auto value = req.substr(pos + 1);
    if (key.back() == '!') {
      op = Op::kNotEquals;
      key.remove_suffix(1);
    } else if (value.starts_with("=")) {
      value.remove_prefix(1);
    }
    key = trim(key);
    // pkg/apis/core/v1/conversion.go: an unknown pod field label is
    // `field label not supported: <label>` (a 400 from the list handler).
    if (std::find(supported.begin(), supported.end(), key) == supported.end()) {
      return fail_plain("field label not supported: " + std::string(key));
    }
    sel.terms_.push_back(Term{std::string(key), op, {std::string(trim(value))}});
  }
  return sel;
}

std::string field_value(const nlohmann::json& object, std::string_view path) {
  const nlohmann::json* cur = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto dot = path.find('.', start);
    auto part = std::string(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return "";
}

bool KubeSelector::matches(const nlohmann::json& object) const {
  static const nlohmann::json kNoLabels = nlohmann::json::object();
  const auto& labels =
      object.contains("metadata") && object["metadata"].contains("labels") && object["metadata"]["labels"].is_object()
          ? object["metadata"]["labels"]
          : kNoLabels;
  for (const auto& t : terms_) {
    bool has = fields_ || labels.contains(t.key);
    std::string value = fields_ ? field_value(object, t.key)
                                : (has && labels[t.key].is_string() ? labels[t.key].get<std::string>() : "");
    bool in = std::find(t.values.begin(), t.values.end(), value) != t.values.end();
    bool ok = false;
    switch (t.op) {
      case Op::kEquals:
        ok = has && value == t.values.front();
        break;
      case Op::kNotEquals:
        ok = !has || value != t.values.front();
        break;
      case Op::kIn:
        ok = has && in;
        break;
      case Op::kNotIn:
        ok = !has || !in;
        break;
      case Op::kExists:
        ok = has;
        break;
      case Op::kNotExists:
        ok = !has;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace seismo::fakes
