#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include "api/router.h"
#include "api/server.h"
#include "common/unique_fd.h"

namespace seismo::api {

class Connection;

// The control socket's machinery behind Server: the event loop and its
// thread, the listening socket, the connections, the handler pools and the
// stream threads. Connection reaches the loop and the pools through it.
class ServerCore {
 public:
  ServerCore(ServerConfig config, const Router& router, UniqueFd listener);
  ~ServerCore();
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  void start();
  // Closes the listener and every connection, ends the loop, then waits for
  // running handlers (which no longer have a client to wait on).
  void stop();

  [[nodiscard]] asio::io_context& io() { return io_; }
  [[nodiscard]] const Router& router() const { return router_; }
  [[nodiscard]] const ServerConfig& config() const { return config_; }
  [[nodiscard]] size_t clients() const { return count_.load(); }

  // Runs a method handler off the event loop; root's requests have a pool of
  // their own, so other clients' slow requests never delay them.
  void run_call(bool privileged, std::function<void()> task);
  // Starts a stream handler on a thread of its own; false at max_streams.
  bool spawn_stream(std::function<void()> body);
  // A connection closed (event loop thread).
  void forget(const Connection* connection);

 private:
  void accept_next();
  void admit(asio::local::stream_protocol::socket socket);
  void reap_streams();
  void close_all();

  struct StreamThread {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  ServerConfig config_;
  const Router& router_;
  asio::io_context io_;  // declared first: outlives the sockets and timers below
  asio::local::stream_protocol::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::map<const Connection*, std::shared_ptr<Connection>> connections_;
  std::atomic<size_t> count_{0};
  std::chrono::steady_clock::time_point last_refusal_log_{};
  asio::thread_pool pool_{2};
  asio::thread_pool privileged_pool_{2};
  std::mutex streams_mutex_;
  std::list<StreamThread> streams_;
  std::thread loop_;
  bool stopped_ = false;
};

}  // namespace seismo::api
