// Cgroup paths are outside input: whatever bytes they hold, the exposition
// must stay parseable (escaped quotes, backslashes and newlines).
#include <prometheus/text_serializer.h>

#include <gtest/gtest.h>

#include <sstream>

#include "metrics/signal.h"

using namespace seismo::metrics;

TEST(LabelEscaping, QuotesBackslashesAndNewlinesAreEscaped) {
  auto fam = make_family("seismo_process_execs_total", "help", prometheus::MetricType::Counter);
  fam.metric.push_back(counter_metric({{"cgroup", "/a\"b\\c\nd"}}, 3));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, {fam});
  std::string text = out.str();
  EXPECT_NE(text.find(R"(seismo_process_execs_total{cgroup="/a\"b\\c\nd"} 3)"), std::string::npos) << text;
  // Exactly one sample line: the newline in the value did not split it.
  size_t lines = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind("seismo_", 0) == 0) ++lines;
  EXPECT_EQ(lines, 1u);
}
