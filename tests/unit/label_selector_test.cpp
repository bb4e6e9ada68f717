#include "pods/label_selector.h"

#include <gtest/gtest.h>

using seismo::pods::LabelSelector;
using Labels = std::map<std::string, std::string>;

namespace {
LabelSelector must(const std::string& text) {
  auto r = LabelSelector::parse(text);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message());
  return r ? *r : LabelSelector{};
}
void expect_error(const std::string& text, const std::string& fragment) {
  auto r = LabelSelector::parse(text);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}
const Labels kWeb{{"app", "web"}, {"tier", "front"}, {"env", "prod"}};
const Labels kDb{{"app", "db"}, {"env", "staging"}, {"canary", "true"}};
}  // namespace

TEST(LabelSelector, EmptyMatchesEverything) {
  EXPECT_TRUE(must("").matches(kWeb));
  EXPECT_TRUE(must("  ").matches({}));
}

TEST(LabelSelector, Equality) {
  EXPECT_TRUE(must("app=web").matches(kWeb));
  EXPECT_FALSE(must("app=web").matches(kDb));
  EXPECT_TRUE(must("app==db").matches(kDb));
  EXPECT_FALSE(must("app==db").matches(kWeb));
  EXPECT_TRUE(must("app=web, tier = front").matches(kWeb));
  EXPECT_FALSE(must("app=web,tier=back").matches(kWeb));
}

TEST(LabelSelector, InequalityMatchesAbsentKey) {
  EXPECT_TRUE(must("app!=db").matches(kWeb));
  EXPECT_FALSE(must("app!=db").matches(kDb));
  EXPECT_TRUE(must("missing!=x").matches(kWeb));
}

TEST(LabelSelector, SetOperators) {
  auto s = must("env in (prod, staging),app notin (cache)");
  EXPECT_TRUE(s.matches(kWeb));
  EXPECT_TRUE(s.matches(kDb));
  EXPECT_FALSE(s.matches({{"env", "dev"}}));
  EXPECT_FALSE(must("env in (prod)").matches({}));
  EXPECT_TRUE(must("env notin (prod)").matches({}));
  EXPECT_FALSE(must("app notin (web,db)").matches(kDb));
  ASSERT_EQ(s.requirements().size(), 2u);
  EXPECT_EQ(s.requirements()[0].values.size(), 2u);
}

TEST(LabelSelector, Existence) {
  EXPECT_TRUE(must("canary").matches(kDb));
  EXPECT_FALSE(must("canary").matches(kWeb));
  EXPECT_TRUE(must("!canary").matches(kWeb));
  EXPECT_FALSE(must("!canary").matches(kDb));
  EXPECT_TRUE(must("app,!canary").matches(kWeb));
}

TEST(LabelSelector, PrefixedKeysAndEmptyValue) {
  EXPECT_TRUE(must("app.kubernetes.io/name=web").matches({{"app.kubernetes.io/name", "web"}}));
  EXPECT_TRUE(must("x=").matches({{"x", ""}}));
  EXPECT_FALSE(must("x=").matches({{"x", "y"}}));
}

TEST(LabelSelector, ErrorsNameTheProblem) {
  expect_error("app=web,", "expected a requirement after ','");
  expect_error("app in web", "expected '(' after 'in'");
  expect_error("app in (a b)", "expected ',' or ')'");
  expect_error("app in (a", "expected ',' or ')'");
  expect_error("app ~ web", "expected one of '='");
  expect_error("app foo (x)", "expected one of '='");
  expect_error("-app=web", "label key '-app'");
  expect_error("app=web app=db", "expected ',' between requirements");
  expect_error("Bad_Prefix/app=x", "prefix 'Bad_Prefix'");
  expect_error("app=" + std::string(64, 'a'), "label value");
  expect_error(",", "expected a label key");
  auto r = LabelSelector::parse("app in web");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("at offset 7"), std::string::npos) << r.error().message();
}

TEST(LabelSelector, FromMapValidatesAndAnds) {
  auto s = LabelSelector::from_map({{"app", "web"}, {"env", "prod"}});
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->matches(kWeb));
  EXPECT_FALSE(s->matches(kDb));
  auto bad = LabelSelector::from_map({{"app", "no spaces"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("labelSelectors"), std::string::npos);
}
