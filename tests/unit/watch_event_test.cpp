#include "pods/watch_event.h"

#include <gtest/gtest.h>

using seismo::pods::decode_raw_watch_event;
using seismo::pods::decode_watch_event;
using seismo::pods::RawWatchEvent;

namespace {
std::string message_of(std::string_view line) {
  auto r = decode_raw_watch_event(line);
  return r ? "" : r.error().message();
}
}  // namespace

TEST(RawWatchEvent, ObjectEventsCarryTheObjectAndItsVersion) {
  auto ev = decode_raw_watch_event(
      R"({"type":"MODIFIED","object":{"kind":"NetworkFault","metadata":{"name":"f","resourceVersion":"42"}}})");
  ASSERT_TRUE(ev) << ev.error().message();
  EXPECT_EQ(ev->type, RawWatchEvent::Type::modified);
  EXPECT_EQ(ev->resource_version, "42");
  EXPECT_EQ(ev->object["metadata"]["name"], "f");
  for (const auto& [type, want] : {std::pair{"ADDED", RawWatchEvent::Type::added},
                                   std::pair{"DELETED", RawWatchEvent::Type::deleted}}) {
    auto e = decode_raw_watch_event(std::string(R"({"type":")") + type +
                                    R"(","object":{"metadata":{"resourceVersion":"7"}}})");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, want);
  }
}

TEST(RawWatchEvent, BookmarkCarriesOnlyItsVersion) {
  auto ev = decode_raw_watch_event(R"({"type":"BOOKMARK","object":{"kind":"Node","metadata":{"resourceVersion":"9"}}})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, RawWatchEvent::Type::bookmark);
  EXPECT_EQ(ev->resource_version, "9");
  EXPECT_TRUE(ev->object.is_null());
}

TEST(RawWatchEvent, ErrorEventsSayWhetherTheVersionIsGone) {
  auto gone = decode_raw_watch_event(R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->type, RawWatchEvent::Type::error);
  EXPECT_TRUE(gone->gone);
  auto other = decode_raw_watch_event(R"({"type":"ERROR","object":{"kind":"Status","code":500,"message":"boom"}})");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->gone);
  EXPECT_EQ(other->object["message"], "boom");
}

TEST(RawWatchEvent, ErrorsNameTheField) {
  EXPECT_EQ(message_of("nope"), "not a JSON object");
  EXPECT_NE(message_of(R"({"object":{}})").find("field 'type'"), std::string::npos);
  EXPECT_NE(message_of(R"({"type":"ADDED","object":[]})").find("field 'object'"), std::string::npos);
  EXPECT_NE(message_of(R"({"type":"RESIZED","object":{}})").find("unknown event type 'RESIZED'"), std::string::npos);
  // Every object event and bookmark needs a version to resume from.
  EXPECT_NE(message_of(R"({"type":"ADDED","object":{"metadata":{}}})").find("object.metadata.resourceVersion"),
            std::string::npos);
  EXPECT_NE(message_of(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":""}}})")
                .find("object.metadata.resourceVersion"),
            std::string::npos);
}

TEST(WatchEvent, PodEventsAreDecodedAsPods) {
  auto ev = decode_watch_event(
      R"({"type":"ADDED","object":{"metadata":{"uid":"0b7c9f5e-1111-4c3a-9d2e-000000000001","name":"web-1",)"
      R"("namespace":"shop","resourceVersion":"5"},"status":{"phase":"Running","podIP":"10.0.0.5"}}})");
  ASSERT_TRUE(ev) << ev.error().message();
  ASSERT_TRUE(ev->pod);
  EXPECT_EQ(ev->pod->name, "web-1");
  EXPECT_EQ(ev->pod->ips, std::vector<std::string>{"10.0.0.5"});
  EXPECT_EQ(ev->resource_version, "5");
  auto bad = decode_watch_event(R"({"type":"ADDED","object":{"metadata":{"resourceVersion":"5"}}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("ADDED: field 'metadata.uid'"), std::string::npos) << bad.error().message();
}
