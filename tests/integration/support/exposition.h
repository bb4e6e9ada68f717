#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace seismo::testing {

// One sample of the Prometheus text format.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses exposition text (comments skipped, label escapes decoded).
std::vector<Sample> parse_exposition(const std::string& text);

// Sum of the samples named `name` whose labels include all of `match`.
double sum_samples(const std::vector<Sample>& samples, const std::string& name,
                   const std::map<std::string, std::string>& match);
// Number of samples named `name` with these labels.
size_t count_samples(const std::vector<Sample>& samples, const std::string& name,
                     const std::map<std::string, std::string>& match);

}  // namespace seismo::testing
