#include "chaos/guard.h"

namespace seismo::chaos {
namespace {

struct GuardNames {
  GuardBudget budget;
  const char* key;   // spec key
  const char* name;  // fault ls, metrics
};

constexpr GuardNames kNames[] = {
    {GuardBudget::dropped, "dropped", "dropped"},
    {GuardBudget::delayed, "delayed", "delayed"},
    {GuardBudget::tcp_retransmits, "tcpRetransmits", "tcp_retransmits"},
    {GuardBudget::tcp_resets, "tcpResets", "tcp_resets"},
    {GuardBudget::tcp_resets_sent, "tcpResetsSent", "tcp_resets_sent"},
    {GuardBudget::tcp_resets_received, "tcpResetsReceived", "tcp_resets_received"},
    {GuardBudget::tcp_connect_failures, "tcpConnectFailures", "tcp_connect_failures"},
};
static_assert(std::size(kNames) == kGuardBudgets);

const GuardNames& names_of(GuardBudget b) {
  for (const auto& n : kNames) {
    if (n.budget == b) return n;
  }
  return kNames[0];  // unreachable: every enumerator is in the table
}

}  // namespace

const char* guard_budget_key(GuardBudget b) { return names_of(b).key; }
const char* guard_budget_name(GuardBudget b) { return names_of(b).name; }

std::optional<GuardBudget> guard_budget_from_key(const std::string& key) {
  for (const auto& n : kNames) {
    if (key == n.key) return n.budget;
  }
  return std::nullopt;
}

}  // namespace seismo::chaos
