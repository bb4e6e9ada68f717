#include "api/server_core.h"

#include <sys/socket.h>
#include <unistd.h>

#include <asio/post.hpp>

#include "api/connection.h"
#include "api/protocol.h"
#include "common/log.h"

namespace seismo::api {

ServerCore::ServerCore(ServerConfig config, const Router& router, UniqueFd listener)
    : config_(std::move(config)), router_(router), acceptor_(io_), accept_retry_(io_) {
  acceptor_.assign(asio::local::stream_protocol(), listener.release());
}

ServerCore::~ServerCore() { stop(); }

void ServerCore::start() {
  accept_next();
  loop_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {  // no handler throws; if one did, stop serving rather than die
      log::error("control socket event loop: {}", e.what());
    }
  });
}

void ServerCore::accept_next() {
  acceptor_.async_accept([this](std::error_code ec, asio::local::stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE/ENFILE) and the like: the pending
      // connection stays queued, so retrying at once would spin.
      log::warn("control socket accept: {}; retrying in 100 ms", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds(100));
      accept_retry_.async_wait([this](std::error_code wait_ec) {
        if (!wait_ec) accept_next();
      });
      return;
    }
    admit(std::move(socket));
    accept_next();
  });
}

void ServerCore::admit(asio::local::stream_protocol::socket socket) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
  auto connection = std::make_shared<Connection>(*this, std::move(socket), Peer{cred.pid, cred.uid, cred.gid});
  const size_t limit = config_.max_clients + (connection->privileged() ? config_.root_reserve : 0);
  if (connections_.size() >= limit) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ > std::chrono::seconds(10)) {
      last_refusal_log_ = now;
      log::warn("control: refusing uid {} (pid {}): {} clients connected (limit {}; {} more kept for root)",
                cred.uid, cred.pid, connections_.size(), config_.max_clients, config_.root_reserve);
    }
    connection->write(error_response(0, Error{EUSERS, fmt::format("too many control clients (limit {}{})", limit,
                                                                   connection->privileged() ? "" : " for non-root")}));
    connection->close_when_written();
    return;  // the pending write keeps it alive until written or its deadline
  }
  connections_.emplace(connection.get(), connection);
  count_.store(connections_.size());
  connection->start();
}

void ServerCore::forget(const Connection* connection) {
  connections_.erase(connection);
  count_.store(connections_.size());
}

void ServerCore::run_call(bool privileged, std::function<void()> task) {
  asio::post(privileged ? privileged_pool_ : pool_, std::move(task));
}

void ServerCore::reap_streams() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ServerCore::spawn_stream(std::function<void()> body) {
  std::lock_guard lock(streams_mutex_);
  reap_streams();
  if (stopped_ || streams_.size() >= config_.max_streams) return false;
  auto& slot = streams_.emplace_back();
  slot.thread = std::thread([&slot, body = std::move(body)] {
    body();
    slot.done.store(true);
  });
  return true;
}

void ServerCore::close_all() {
  std::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  auto all = connections_;
  for (auto& [ptr, connection] : all) connection->close();
}

void ServerCore::stop() {
  {
    std::lock_guard lock(streams_mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (loop_.joinable()) {
    // close_all runs on the loop and blocks on nothing, so this returns at
    // once whatever the clients are doing.
    asio::post(io_, [this] {
      close_all();
      io_.stop();
    });
    loop_.join();
  }
  close_all();  // the loop is gone: safe here, and covers a loop that died early
  // Handlers still running finish against closed connections: a call's
  // reply is dropped, a stream's sink reports closed.
  pool_.join();
  privileged_pool_.join();
  std::lock_guard lock(streams_mutex_);
  for (auto& s : streams_)
    if (s.thread.joinable()) s.thread.join();
  streams_.clear();
}

}  // namespace seismo::api
