#include "fault_cycle.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace seismo::bench {

using Clock = std::chrono::steady_clock;

namespace {

constexpr uint16_t kPort = 47100;

sockaddr_in address(const std::string& ip) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(kPort);
  ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
  return sa;
}

}  // namespace

FaultCycle::FaultCycle(const testing::NetnsPair& lab, Options options) : lab_(lab), options_(std::move(options)) {}

bool FaultCycle::start() {
  auto rx = lab_.b().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
  auto tx = lab_.a().socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC);
  if (!rx || !tx) return false;
  const sockaddr_in to = address(lab_.veth().b_ip());
  if (::bind(rx->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
  if (::connect(tx->get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
  rx_ = std::move(*rx);
  tx_ = std::move(*tx);
  thread_ = std::thread([this] { run(); });
  return true;
}

std::string FaultCycle::stop(bool leave_active) {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (!leave_active) return "";
  const std::string name = fmt::format("{}-last", options_.name_prefix);
  return add(name) ? name : "";
}

FaultCycle::Counters FaultCycle::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

bool FaultCycle::add(const std::string& name) {
  const auto t0 = Clock::now();
  auto out = testing::run_command({options_.cli, "--socket", options_.socket, "fault", "add", "loss",
                                   fmt::format("{}%", options_.loss_percent), "--netns", lab_.a().name(), "-i",
                                   lab_.veth().a_name(), "--direction", "both", "--duration", "60s", "--name", name,
                                   "-o", "json"});
  std::lock_guard lock(mu_);
  counters_.add_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  ++(out.status == 0 ? counters_.adds : counters_.add_failures);
  if (out.status != 0) counters_.last_error = fmt::format("fault add {}: exit {}: {}", name, out.status, out.output);
  return out.status == 0;
}

bool FaultCycle::remove(const std::string& name) {
  const auto t0 = Clock::now();
  auto out = testing::run_command({options_.cli, "--socket", options_.socket, "fault", "rm", name});
  std::lock_guard lock(mu_);
  counters_.remove_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  ++(out.status == 0 ? counters_.removes : counters_.remove_failures);
  if (out.status != 0) counters_.last_error = fmt::format("fault rm {}: exit {}: {}", name, out.status, out.output);
  return out.status == 0;
}

uint64_t FaultCycle::send_burst() {
  char buf[64] = {};
  for (int i = 0; i < options_.datagrams_per_half; ++i) (void)::send(tx_.get(), buf, sizeof(buf), 0);
  // Delivery over a veth is immediate; 50 ms covers a descheduled receiver softirq.
  uint64_t got = 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(50);
  while (Clock::now() < deadline) {
    while (::recv(rx_.get(), buf, sizeof(buf), 0) > 0) ++got;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return got;
}

void FaultCycle::run() {
  const auto half = options_.period / 2;
  auto next = Clock::now();
  while (!stop_) {
    const std::string name = fmt::format("{}-{}", options_.name_prefix, serial_++);
    const bool added = add(name);
    if (added) {
      const uint64_t got = send_burst();
      std::lock_guard lock(mu_);
      counters_.sent_faulted += static_cast<uint64_t>(options_.datagrams_per_half);
      counters_.received_faulted += got;
    }
    next += half;
    while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (added && remove(name)) {
      const uint64_t got = send_burst();
      std::lock_guard lock(mu_);
      counters_.sent_clear += static_cast<uint64_t>(options_.datagrams_per_half);
      counters_.received_clear += got;
    }
    next += half;
    if (Clock::now() > next) next = Clock::now();
    while (!stop_ && Clock::now() < next) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace seismo::bench
