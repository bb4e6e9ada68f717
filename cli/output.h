#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seismo::cli {

// Prints a document as pretty JSON or YAML.
void print_json(const nlohmann::json& doc);
void print_yaml(const nlohmann::json& doc);
std::string to_yaml(const nlohmann::json& doc);

// A plain aligned table: header row, then rows; columns padded to fit.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::string human_rate(double per_second);
std::string human_count(double value);

}  // namespace seismo::cli
