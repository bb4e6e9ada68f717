#include "pods/label_selector.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace seismo::pods {
namespace {

constexpr std::size_t kMaxNameLen = 63;
constexpr std::size_t kMaxPrefixLen = 253;

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool valid_name(std::string_view s, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > kMaxNameLen || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool valid_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLen) return false;
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (std::islower(static_cast<unsigned char>(c)) != 0) || std::isdigit(static_cast<unsigned char>(c)) != 0 ||
           c == '-' || c == '.';
  });
}

bool key_char(char c) { return alnum(c) || c == '-' || c == '_' || c == '.' || c == '/'; }

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view text) : text_(text) {}

  Result<std::vector<LabelSelector::Requirement>> run() {
    std::vector<LabelSelector::Requirement> reqs;
    skip_space();
    if (pos_ == text_.size()) return reqs;
    while (true) {
      auto req = requirement();
      if (!req) return fail(req.error());
      reqs.push_back(std::move(*req));
      skip_space();
      if (pos_ == text_.size()) break;
      if (text_[pos_] != ',') return error("expected ',' between requirements");
      ++pos_;
      skip_space();
      if (pos_ == text_.size()) return error("expected a requirement after ','");
    }
    return reqs;
  }

 private:
  Unexpected error(std::string_view what) const {
    return fail_plain(fmt::format("label selector '{}': at offset {}: {}", text_, pos_, what));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
  }
  std::string_view word(bool (*accept)(char)) {
    auto start = pos_;
    while (pos_ < text_.size() && accept(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  static bool value_char(char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; }

  Result<std::string> key() {
    auto start = pos_;
    auto k = word(key_char);
    if (k.empty()) return error("expected a label key");
    if (auto v = validate_label_key(k); !v) {
      pos_ = start;
      return error(v.error().context);
    }
    return std::string(k);
  }

  Result<std::string> value() {
    skip_space();
    auto start = pos_;
    auto v = word(value_char);
    if (auto ok = validate_label_value(v); !ok) {
      pos_ = start;
      return error(ok.error().context);
    }
    return std::string(v);
  }

  Result<LabelSelector::Requirement> requirement() {
    LabelSelector::Requirement req;
    if (text_[pos_] == '!') {
      ++pos_;
      skip_space();
      auto k = key();
      if (!k) return fail(k.error());
      req.key = std::move(*k);
      req.op = LabelSelector::Op::not_exists;
      return req;
    }
    auto k = key();
    if (!k) return fail(k.error());
    req.key = std::move(*k);
    skip_space();
    auto rest = text_.substr(pos_);
    if (rest.empty() || rest.front() == ',') {
      req.op = LabelSelector::Op::exists;
      return req;
    }
    if (rest.starts_with("==") || rest.starts_with("!=") || rest.starts_with("=")) {
      req.op = rest.starts_with("!=") ? LabelSelector::Op::not_equals : LabelSelector::Op::equals;
      pos_ += rest.starts_with("=") && !rest.starts_with("==") ? 1 : 2;
      auto v = value();
      if (!v) return fail(v.error());
      req.values.push_back(std::move(*v));
      return req;
    }
    auto op_start = pos_;
    auto op = word([](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
    if (op == "in") {
      req.op = LabelSelector::Op::in;
    } else if (op == "notin") {
      req.op = LabelSelector::Op::not_in;
    } else {
      pos_ = op_start;
      return error(fmt::format("expected one of '=', '==', '!=', 'in', 'notin' after key '{}'", req.key));
    }
    skip_space();
    if (pos_ == text_.size() || text_[pos_] != '(') return error(fmt::format("expected '(' after '{}'", op));
    ++pos_;
    while (true) {
      auto v = value();
      if (!v) return fail(v.error());
      req.values.push_back(std::move(*v));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ')') {
        ++pos_;
        break;
      }
      return error("expected ',' or ')' in a value set");
    }
    return req;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<void> validate_label_key(std::string_view key) {
  auto slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    auto prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!valid_dns_subdomain(prefix)) {
      return fail_plain(fmt::format("label key '{}': prefix '{}' is not a DNS subdomain", key, prefix));
    }
  }
  if (!valid_name(name, false)) {
    return fail_plain(fmt::format(
        "label key '{}': name must be 1-63 characters of [A-Za-z0-9._-], starting and ending alphanumeric", key));
  }
  return {};
}

Result<void> validate_label_value(std::string_view value) {
  if (!valid_name(value, true)) {
    return fail_plain(fmt::format(
        "label value '{}': must be at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric", value));
  }
  return {};
}

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  auto reqs = SelectorParser(text).run();
  if (!reqs) return fail(reqs.error());
  LabelSelector s;
  s.requirements_ = std::move(*reqs);
  return s;
}

Result<LabelSelector> LabelSelector::from_map(const std::map<std::string, std::string>& equals) {
  LabelSelector s;
  for (const auto& [k, v] : equals) {
    if (auto ok = validate_label_key(k); !ok) return fail(ok.error().wrap("field 'labelSelectors'"));
    if (auto ok = validate_label_value(v); !ok) return fail(ok.error().wrap("field 'labelSelectors'"));
    s.requirements_.push_back({k, Op::equals, {v}});
  }
  return s;
}

Result<LabelSelector> LabelSelector::from_requirements(std::vector<Requirement> requirements) {
  for (const auto& r : requirements) {
    if (auto ok = validate_label_key(r.key); !ok) return fail(ok.error());
    const bool sets = r.op == Op::in || r.op == Op::not_in;
    const bool none = r.op == Op::exists || r.op == Op::not_exists;
    if (sets && r.values.empty()) return fail_plain(fmt::format("label key '{}': In and NotIn need values", r.key));
    if (none && !r.values.empty())
      return fail_plain(fmt::format("label key '{}': Exists and DoesNotExist take no values", r.key));
    for (const auto& v : r.values)
      if (auto ok = validate_label_value(v); !ok) return fail(ok.error());
  }
  LabelSelector s;
  s.requirements_ = std::move(requirements);
  return s;
}

void LabelSelector::add(const LabelSelector& other) {
  requirements_.insert(requirements_.end(), other.requirements_.begin(), other.requirements_.end());
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool present = it != labels.end();
    bool in_set = present && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    bool ok = false;
    switch (r.op) {
      case Op::equals:
      case Op::in: ok = in_set; break;
      case Op::not_equals:
      case Op::not_in: ok = !in_set; break;
      case Op::exists: ok = present; break;
      case Op::not_exists: ok = !present; break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace seismo::pods
