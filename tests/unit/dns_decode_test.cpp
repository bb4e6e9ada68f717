// userspace/probes/dns_decode.cpp: names of qtypes and rcodes, the question
// name's presentation form (escaping, every malformed wire form refused),
// and the ring buffer record's validation.
#include "probes/dns_decode.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "probes/dns.h"
#include "seismo/dns.h"

using namespace seismo::probes;

namespace {

std::string wire(std::initializer_list<std::string> labels) {
  std::string w;
  for (const auto& l : labels) {
    w += static_cast<char>(l.size());
    w += l;
  }
  w += '\0';
  return w;
}

dns_event good_event() {
  dns_event raw{};
  raw.hdr.version = SEISMO_EVENT_VERSION;
  raw.hdr.kind = SEISMO_EVENT_DNS;
  raw.hdr.size = sizeof(raw);
  raw.cgroup_id = 42;
  raw.latency_ns = 20'000'000;
  raw.server[0] = 10;
  raw.server[3] = 53;
  raw.server_port = 53;
  raw.qtype = 28;
  raw.rcode = 3;
  raw.family = 4;
  raw.proto = IPPROTO_UDP;
  const std::string name = wire({"example", "com"});
  std::memcpy(raw.name, name.data(), name.size());
  raw.name_len = static_cast<uint16_t>(name.size());
  return raw;
}

}  // namespace

TEST(DnsDecode, QtypeAndRcodeNames) {
  EXPECT_EQ(dns_qtype_name(1), "A");
  EXPECT_EQ(dns_qtype_name(28), "AAAA");
  EXPECT_EQ(dns_qtype_name(65), "HTTPS");
  EXPECT_EQ(dns_qtype_name(255), "ANY");
  EXPECT_EQ(dns_qtype_name(99), "TYPE99");
  EXPECT_EQ(dns_rcode_name(0), "NOERROR");
  EXPECT_EQ(dns_rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(dns_rcode_name(9), "NOTAUTH");
  EXPECT_EQ(dns_rcode_name(15), "RCODE15");
}

TEST(DnsDecode, MetricLabelsCoverEveryKernelBucket) {
  EXPECT_STREQ(kDnsRcodeLabels[SEISMO_DNS_RCODE_OTHER], "other");
  EXPECT_STREQ(kDnsRcodeLabels[3], "NXDOMAIN");
  EXPECT_STREQ(kDnsQtypeLabels[SEISMO_DNS_QTYPE_AAAA], "AAAA");
  EXPECT_STREQ(kDnsQtypeLabels[SEISMO_DNS_QTYPE_HTTPS], "HTTPS");
  EXPECT_STREQ(kDnsQtypeLabels[SEISMO_DNS_QTYPE_SVCB], "SVCB");
  EXPECT_STREQ(kDnsQtypeLabels[SEISMO_DNS_QTYPE_OTHER], "other");
  EXPECT_STREQ(kDnsDirectionLabels[SEISMO_DNS_DIR_EGRESS], "egress");
}

TEST(DnsDecode, NameInPresentationFormWithEscapes) {
  EXPECT_EQ(*dns_name_text(wire({"example", "com"})), "example.com.");
  EXPECT_EQ(*dns_name_text(std::string(1, '\0')), ".");
  EXPECT_EQ(*dns_name_text(wire({"a.b", "c\\d"})), "a\\.b.c\\\\d.");
  EXPECT_EQ(*dns_name_text(wire({std::string("x\ny") + '\x7f' + " "})), "x\\010y\\127\\032.");
  EXPECT_EQ(*dns_name_text(wire({std::string("\xff\x1b[31m", 6)})), "\\255\\027[31m.");
  const std::string longest = wire({std::string(63, 'a'), std::string(63, 'b'), std::string(63, 'c'),
                                    std::string(61, 'd')});
  ASSERT_EQ(longest.size(), 255u);
  EXPECT_TRUE(dns_name_text(longest));
}

TEST(DnsDecode, MalformedNamesAreRefusedNamingTheProblem) {
  EXPECT_FALSE(dns_name_text(""));
  const std::string too_long = wire({std::string(63, 'a'), std::string(63, 'b'), std::string(63, 'c'),
                                     std::string(62, 'd')});
  ASSERT_EQ(too_long.size(), 256u);
  EXPECT_FALSE(dns_name_text(too_long));
  std::string label64 = wire({std::string(64, 'a')});
  auto r = dns_name_text(label64);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("label length 64"), std::string::npos) << r.error().message();
  EXPECT_FALSE(dns_name_text(std::string("\xc0\x0c", 2))) << "a compression pointer";
  EXPECT_FALSE(dns_name_text(std::string("\x05" "abc", 4))) << "a label past the end";
  EXPECT_FALSE(dns_name_text(std::string("\x03" "abc", 4))) << "no terminating zero";
  EXPECT_FALSE(dns_name_text(std::string("\x01" "a\0\0", 4))) << "bytes after the end";
}

TEST(DnsDecode, EventDecodesAndValidates) {
  dns_event raw = good_event();
  auto ev = decode_dns_event(&raw, sizeof(raw));
  ASSERT_TRUE(ev) << ev.error().message();
  EXPECT_EQ(ev->name, "example.com.");
  EXPECT_EQ(ev->server, "10.0.0.53");
  EXPECT_EQ(ev->server_port, 53);
  EXPECT_EQ(ev->protocol, "udp");
  EXPECT_EQ(ev->qtype, 28);
  EXPECT_EQ(ev->rcode, 3);
  EXPECT_EQ(ev->latency_ns, 20'000'000u);

  raw.family = 6;
  raw.server[15] = 1;
  ev = decode_dns_event(&raw, sizeof(raw));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->server, "a00:35::1");
}

TEST(DnsDecode, BadRecordsAreRefused) {
  dns_event ok = good_event();
  EXPECT_FALSE(decode_dns_event(&ok, sizeof(ok) - 1));
  auto broken = [&](auto change) {
    dns_event raw = good_event();
    change(raw);
    return !decode_dns_event(&raw, sizeof(raw));
  };
  EXPECT_TRUE(broken([](dns_event& r) { r.hdr.kind = SEISMO_EVENT_OOM_KILL; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.hdr.version = 99; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.family = 5; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.proto = 1; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.rcode = 16; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.name_len = 0; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.name_len = 256; }));
  EXPECT_TRUE(broken([](dns_event& r) { r.name_len = 5; })) << "name_len cuts a label";
  EXPECT_TRUE(broken([](dns_event& r) { r.name[0] = 0x40; })) << "bad label length";
}
