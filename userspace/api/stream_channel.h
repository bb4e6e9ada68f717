#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <asio/io_context.hpp>

#include "api/router.h"
#include "common/error.h"

namespace seismo::api {

class Connection;

// The StreamSink a streaming handler writes to. It runs on the handler's own
// thread and never touches the socket: each line is handed to the event loop,
// which writes it under the connection's write deadline. At most `limit`
// bytes wait to be written; beyond that send() waits up to `wait` for the
// client to read (meanwhile the event hub's bounded queue absorbs and counts
// what the handler cannot take), then gives the client up.
class StreamChannel : public StreamSink {
 public:
  StreamChannel(asio::io_context& io, std::weak_ptr<Connection> connection, uint64_t id, size_t limit,
                std::chrono::milliseconds wait);

  bool start() override;
  bool send(const nlohmann::json& event) override;
  [[nodiscard]] bool closed() override;

  // Handler side: answers with an error instead of the stream ack.
  void refuse(const Error& error);
  // Handler side: the handler returned; the end marker (protocol.h,
  // stream_end) follows the events and the connection closes once what is
  // queued has been written.
  void finish();

  // Event-loop side.
  void written(size_t bytes);
  void close();

 private:
  bool push(std::string line);

  asio::io_context& io_;
  std::weak_ptr<Connection> connection_;
  const uint64_t id_;
  const size_t limit_;
  const std::chrono::milliseconds wait_;
  std::mutex mutex_;
  std::condition_variable space_;
  size_t queued_ = 0;
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace seismo::api
