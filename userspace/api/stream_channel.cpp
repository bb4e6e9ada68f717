#include "api/stream_channel.h"

#include <asio/post.hpp>

#include "api/connection.h"
#include "api/protocol.h"
#include "common/log.h"

namespace seismo::api {

StreamChannel::StreamChannel(asio::io_context& io, std::weak_ptr<Connection> connection, uint64_t id, size_t limit,
                             std::chrono::milliseconds wait)
    : io_(io), connection_(std::move(connection)), id_(id), limit_(limit), wait_(wait) {}

bool StreamChannel::start() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (started_) return true;
    started_ = true;
  }
  return push(ok_response(id_, {{"stream", true}}));
}

bool StreamChannel::send(const nlohmann::json& event) {
  if (!start()) return false;
  return push(stream_event(id_, event));
}

bool StreamChannel::closed() {
  std::lock_guard lock(mutex_);
  return closed_;
}

void StreamChannel::refuse(const Error& error) {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  push(error_response(id_, error));
}

void StreamChannel::finish() {
  bool answered = false;
  {
    std::lock_guard lock(mutex_);
    answered = started_ && !closed_;
  }
  // The end marker only after a stream ack (a refused request ended with
  // its error) and only to a client still reading.
  if (answered) push(stream_end(id_));
  asio::post(io_, [weak = connection_] {
    if (auto c = weak.lock()) c->close_when_written();
  });
}

bool StreamChannel::push(std::string line) {
  {
    std::unique_lock lock(mutex_);
    if (!space_.wait_for(lock, wait_, [&] { return closed_ || queued_ + line.size() <= limit_ || queued_ == 0; })) {
      closed_ = true;
      lock.unlock();
      log::info("control: stream client has not read for {} ms; dropping it", wait_.count());
      asio::post(io_, [weak = connection_] {
        if (auto c = weak.lock()) c->close();
      });
      return false;
    }
    if (closed_) return false;
    queued_ += line.size();
  }
  asio::post(io_, [weak = connection_, line = std::move(line)]() mutable {
    if (auto c = weak.lock()) c->write(std::move(line));
  });
  return true;
}

void StreamChannel::written(size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    queued_ -= std::min(bytes, queued_);
  }
  space_.notify_all();
}

void StreamChannel::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  space_.notify_all();
}

}  // namespace seismo::api
