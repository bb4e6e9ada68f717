#include "api/connection.h"

#include <unistd.h>

#include <asio/post.hpp>
#include <asio/write.hpp>

#include "api/server_core.h"
#include "api/stream_channel.h"
#include "common/log.h"

namespace seismo::api {

namespace {
// Runs a method handler; a handler bug must not take the daemon down.
std::string run_handler(const Router::Route& route, const Request& req, const Peer& peer) {
  Result<nlohmann::json> result = fail_plain("internal error");
  try {
    result = route.handler(req.params, peer);
  } catch (const std::exception& e) {
    log::error("control: '{}' threw: {}", req.method, e.what());
    result = fail_errno(EFAULT, fmt::format("internal error in '{}': {}", req.method, e.what()));
  }
  return result ? ok_response(req.id, *result) : error_response(req.id, result.error());
}
}  // namespace

Connection::Connection(ServerCore& server, asio::local::stream_protocol::socket socket, Peer peer)
    : server_(server),
      socket_(std::move(socket)),
      request_deadline_(server.io()),
      write_deadline_(server.io()),
      peer_(peer) {}

bool Connection::privileged() const { return peer_.uid == 0 || peer_.uid == ::geteuid(); }

void Connection::start() {
  arm_request_deadline();
  read_more();
}

void Connection::arm_request_deadline() {
  const uint64_t generation = ++request_generation_;
  request_deadline_.expires_after(server_.config().request_timeout);
  request_deadline_.async_wait([self = shared_from_this(), generation](std::error_code ec) {
    if (ec || self->closed_ || generation != self->request_generation_) return;
    log::debug("control: pid {} sent no whole request within {} ms; closing", self->peer_.pid,
               self->server_.config().request_timeout.count());
    self->close();
  });
}

void Connection::read_more() {
  if (reading_ || closed_) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](std::error_code ec, size_t n) {
    self->on_read(ec, n);
  });
}

void Connection::on_read(std::error_code ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {  // EOF or error: the client is gone (a stream's handler sees its sink close)
    close();
    return;
  }
  if (stream_) {  // a streaming client has nothing more to say; read only to notice it leave
    read_more();
    return;
  }
  input_.append(chunk_.data(), n);
  next_request();
}

// Takes the next whole line from the input, or reads more.
void Connection::next_request() {
  while (!busy_ && !closed_ && !stream_) {
    auto nl = input_.find('\n');
    const size_t limit = server_.config().max_request_bytes;
    if ((nl == std::string::npos && input_.size() > limit) || (nl != std::string::npos && nl > limit)) {
      refuse(0, Error{EMSGSIZE, fmt::format("request exceeds the {} byte limit", limit)});
      return;
    }
    if (nl == std::string::npos) {
      read_more();
      return;
    }
    std::string line = input_.substr(0, nl);
    input_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    handle(std::move(line));
  }
}

void Connection::handle(std::string line) {
  ++request_generation_;  // the request arrived in time
  request_deadline_.cancel();
  busy_ = true;
  auto req = parse_request(line);
  if (!req) {
    write(error_response(0, req.error()));
    return;
  }
  const Router::Route* route = server_.router().find(req->method);
  if (!route) {
    write(error_response(req->id, Error{EINVAL, fmt::format("unknown method '{}'", req->method)}));
    return;
  }
  if (route->access == Access::admin && !privileged()) {
    log::warn("control: uid {} (pid {}) denied '{}'", peer_.uid, peer_.pid, req->method);
    write(error_response(req->id, Error{EPERM, fmt::format("method '{}' needs root; caller uid is {}", req->method,
                                                           peer_.uid)}));
    return;
  }
  if (route->stream) {
    open_stream(std::move(*req), *route);
  } else {
    call(std::move(*req), *route);
  }
}

void Connection::call(Request request, const Router::Route& route) {
  server_.run_call(privileged(), [self = shared_from_this(), request = std::move(request), &route] {
    std::string reply = run_handler(route, request, self->peer_);
    asio::post(self->server_.io(), [self, reply = std::move(reply)]() mutable { self->write(std::move(reply)); });
  });
}

void Connection::open_stream(Request request, const Router::Route& route) {
  auto channel = std::make_shared<StreamChannel>(server_.io(), weak_from_this(), request.id,
                                                 server_.config().stream_buffer_bytes,
                                                 server_.config().write_timeout);
  const Peer peer = peer_;
  bool started = server_.spawn_stream([channel, request = std::move(request), &route, peer] {
    if (auto ok = route.validate(request.params); !ok) {
      channel->refuse(ok.error());
    } else {
      try {
        route.stream(request.params, peer, *channel);
        channel->start();  // a handler that ended before starting still answers
      } catch (const std::exception& e) {
        log::error("control: stream '{}' failed: {}", request.method, e.what());
      }
    }
    channel->finish();
  });
  if (!started) {
    refuse(0, Error{EUSERS, fmt::format("too many trace streams (limit {})", server_.config().max_streams)});
    return;
  }
  stream_ = std::move(channel);
  read_more();  // to notice the client hang up
}

void Connection::refuse(uint64_t id, const Error& error) {
  write(error_response(id, error));
  close_when_written();
}

void Connection::write(std::string line) {
  if (closed_) return;
  output_.push_back(std::move(line));
  write_next();
}

void Connection::write_next() {
  if (writing_ || closed_ || output_.empty()) return;
  writing_ = true;
  const uint64_t generation = ++write_generation_;
  write_deadline_.expires_after(server_.config().write_timeout);
  write_deadline_.async_wait([self = shared_from_this(), generation](std::error_code ec) {
    if (ec || self->closed_ || !self->writing_ || generation != self->write_generation_) return;
    log::info("control: pid {} has not read its reply for {} ms; dropping it", self->peer_.pid,
              self->server_.config().write_timeout.count());
    self->close();
  });
  asio::async_write(socket_, asio::buffer(output_.front()),
                    [self = shared_from_this()](std::error_code ec, size_t n) { self->on_written(ec, n); });
}

void Connection::on_written(std::error_code ec, size_t n) {
  writing_ = false;
  ++write_generation_;
  write_deadline_.cancel();
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  output_.pop_front();
  if (stream_) stream_->written(n);
  if (!output_.empty()) {
    write_next();
    return;
  }
  if (close_when_written_) {
    close();
    return;
  }
  if (busy_ && !stream_) {  // the reply went out: wait for the next request
    busy_ = false;
    arm_request_deadline();
    next_request();
  }
}

void Connection::close_when_written() {
  close_when_written_ = true;
  if (!writing_ && output_.empty()) close();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  request_deadline_.cancel();
  write_deadline_.cancel();
  std::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  output_.clear();
  if (stream_) stream_->close();
  server_.forget(this);
}

}  // namespace seismo::api
