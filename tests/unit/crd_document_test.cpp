// The bounded YAML/JSON reader (crd/document.h) that fault documents and
// NetworkFault/NetworkChaos documents both go through; chaos_spec_document_test
// covers it under the fault documents' shapes.
#include <gtest/gtest.h>

#include <string>

#include "crd/document.h"

using namespace seismo;
using namespace seismo::crd;
using nlohmann::json;

TEST(Document, JsonIsOneDocumentYamlMany) {
  auto j = read_documents(R"([{"a": 1}, {"b": "2"}])", "document");
  ASSERT_TRUE(j) << j.error().message();
  ASSERT_EQ(j->size(), 1u);
  EXPECT_EQ((*j)[0], json::parse(R"([{"a": 1}, {"b": "2"}])"));
  auto y = read_documents("a: 1\n---\nb: \"2\"\n---\n", "document");
  ASSERT_TRUE(y) << y.error().message();
  ASSERT_EQ(y->size(), 3u);
  EXPECT_EQ((*y)[0], (json{{"a", 1}}));
  EXPECT_EQ((*y)[1], (json{{"b", "2"}})) << "quoted scalars stay strings";
  EXPECT_TRUE((*y)[2].is_null()) << "an empty document is null";
}

TEST(Document, ErrorsStartWithWhatWasRead) {
  auto empty = read_documents(" \n", "manifest");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().context, "manifest is empty");
  auto big = read_documents(std::string(kMaxDocumentBytes + 1, 'a'), "manifest");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, EMSGSIZE);
  EXPECT_EQ(big.error().context.rfind("manifest of 65537 bytes exceeds the 65536 byte limit", 0), 0u);
  std::string deep = "a:";
  for (int i = 0; i < kMaxDocumentDepth + 2; ++i) deep += " [";
  auto d = read_documents(deep + "1" + std::string(kMaxDocumentDepth + 2, ']') + "\n", "manifest");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().context.find("manifest nests deeper than 16 levels"), std::string::npos) << d.error().context;
  auto dup = read_documents("a: 1\na: 2\n", "manifest");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().context, "duplicate key 'a'");
  auto bad_json = read_documents("{\"a\": }", "manifest");
  ASSERT_FALSE(bad_json);
  EXPECT_EQ(bad_json.error().context.rfind("malformed JSON: ", 0), 0u);
}

// Aliases repeat their anchor's subtree: a few lines can name millions of values.
TEST(Document, AliasExpansionBounded) {
  std::string text = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c) {
    text += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    prev = c;
  }
  auto r = read_documents(text, "document");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context.rfind("document expands to more than 65536 values", 0), 0u) << r.error().context;
}
