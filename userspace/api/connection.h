#pragma once

#include <array>
#include <deque>
#include <memory>
#include <string>

#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include "api/protocol.h"
#include "api/router.h"

namespace seismo::api {

class ServerCore;
class StreamChannel;

// One client of the control socket, driven by the server's event loop: every
// member runs on that loop's thread (handlers and streams reach it through
// asio::post). One request at a time: reading pauses while a request is being
// handled, so input never piles up beyond one request line.
//   - a whole request line must arrive within request_timeout of connecting
//     or of the previous response (idle and trickling clients are closed);
//   - each write must finish within write_timeout (clients that stop reading
//     are closed);
//   - a line longer than max_request_bytes is refused and the client closed.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& server, asio::local::stream_protocol::socket socket, Peer peer);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Closes now; pending writes are dropped.
  void close();
  // Closes once everything queued has been written (after an error reply, at
  // the end of a stream).
  void close_when_written();
  // Queues a line for the client.
  void write(std::string line);

  [[nodiscard]] const Peer& peer() const { return peer_; }
  [[nodiscard]] bool privileged() const;

 private:
  void read_more();
  void on_read(std::error_code ec, size_t n);
  void next_request();
  void handle(std::string line);
  void call(Request request, const Router::Route& route);
  void open_stream(Request request, const Router::Route& route);
  void refuse(uint64_t id, const Error& error);
  void write_next();
  void on_written(std::error_code ec, size_t n);
  void arm_request_deadline();

  ServerCore& server_;
  asio::local::stream_protocol::socket socket_;
  asio::steady_timer request_deadline_;
  asio::steady_timer write_deadline_;
  Peer peer_;
  std::array<char, 4096> chunk_{};
  std::string input_;
  std::deque<std::string> output_;
  std::shared_ptr<StreamChannel> stream_;
  uint64_t request_generation_ = 0;  // tells a stale deadline from the current one
  uint64_t write_generation_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool busy_ = false;                // a request is being handled
  bool close_when_written_ = false;
  bool closed_ = false;
};

}  // namespace seismo::api
