#include "net/fq_options.h"

#include <linux/netlink.h>
#include <linux/pkt_sched.h>

#include <cstring>

#include "net/netlink_attrs.h"

namespace seismo::net {

namespace {
void append_attr(std::vector<uint8_t>& out, uint16_t type, const void* data, size_t len) {
  const size_t off = out.size();
  out.resize(off + NLA_ALIGN(NLA_HDRLEN + len), 0);
  nlattr nla{static_cast<uint16_t>(NLA_HDRLEN + len), type};
  std::memcpy(out.data() + off, &nla, sizeof(nla));
  std::memcpy(out.data() + off + NLA_HDRLEN, data, len);
}
}  // namespace

std::vector<uint8_t> FqOptions::encode() const {
  std::vector<uint8_t> out;
  append_attr(out, TCA_FQ_PLIMIT, &limit, sizeof(limit));
  append_attr(out, TCA_FQ_FLOW_PLIMIT, &flow_limit, sizeof(flow_limit));
  append_attr(out, TCA_FQ_HORIZON, &horizon_us, sizeof(horizon_us));
  uint8_t drop = horizon_drop ? 1 : 0;
  append_attr(out, TCA_FQ_HORIZON_DROP, &drop, sizeof(drop));
  return out;
}

FqOptions FqOptions::decode(std::span<const uint8_t> options) {
  FqOptions fq;
  NetlinkAttrs attrs(options.data(), options.size());
  fq.limit = attrs.u32(TCA_FQ_PLIMIT).value_or(fq.limit);
  fq.flow_limit = attrs.u32(TCA_FQ_FLOW_PLIMIT).value_or(fq.flow_limit);
  fq.horizon_us = attrs.u32(TCA_FQ_HORIZON).value_or(fq.horizon_us);
  auto drop = attrs.bytes(TCA_FQ_HORIZON_DROP);
  if (!drop.empty()) fq.horizon_drop = drop[0] != 0;
  return fq;
}

}  // namespace seismo::net
