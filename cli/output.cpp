#include "output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

namespace seismo::cli {
namespace {

YAML::Node to_node(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      YAML::Node n(YAML::NodeType::Map);
      for (const auto& [k, v] : j.items()) n[k] = to_node(v);
      return n;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& v : j) n.push_back(to_node(v));
      return n;
    }
    case nlohmann::json::value_t::string: return YAML::Node(j.get<std::string>());
    case nlohmann::json::value_t::boolean: return YAML::Node(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return YAML::Node(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return YAML::Node(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float: return YAML::Node(j.get<double>());
    default: return YAML::Node(YAML::NodeType::Null);
  }
}

}  // namespace

std::string to_yaml(const nlohmann::json& doc) {
  YAML::Emitter out;
  out << to_node(doc);
  return std::string(out.c_str()) + "\n";
}

void print_json(const nlohmann::json& doc) { std::cout << doc.dump(2) << "\n"; }
void print_yaml(const nlohmann::json& doc) { std::cout << to_yaml(doc); }

std::string Table::render() const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      out += i + 1 == width.size() ? cell : fmt::format("{:<{}}  ", cell, width[i]);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  };
  emit(header_);
  for (const auto& r : rows_) emit(r);
  return out;
}

std::string human_count(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string human_rate(double per_second) { return human_count(per_second) + "/s"; }

}  // namespace seismo::cli
