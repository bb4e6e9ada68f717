#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace seismo::api {

// Who is on the other end of a control connection (SO_PEERCRED).
struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Lets a streaming handler push events and notice when to stop.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Acknowledges the stream to the client ({"stream":true}). Handlers call it
  // once they are subscribed, so a client that has the ack misses nothing;
  // send() acknowledges first if the handler did not.
  virtual bool start() = 0;
  // False once the client has gone away; the handler should return.
  virtual bool send(const nlohmann::json& event) = 0;
  // True when the client hung up or the daemon is stopping.
  [[nodiscard]] virtual bool closed() = 0;
};

// Who may call a method: `read` methods are open to every client the socket's
// permissions let in; `admin` methods (anything that changes the kernel)
// need uid 0 or the daemon's own uid, checked with SO_PEERCRED.
enum class Access { read, admin };

using Handler = std::function<Result<nlohmann::json>(const nlohmann::json& params, const Peer& peer)>;
// A streaming handler validates params, returns an error (sent as a normal
// error response) or runs until the sink closes.
using StreamValidator = std::function<Result<void>(const nlohmann::json& params)>;
using StreamHandler = std::function<void(const nlohmann::json& params, const Peer& peer, StreamSink& sink)>;

// Method name → handler. Filled during daemon wiring, read-only afterwards.
class Router {
 public:
  void add(std::string method, Access access, Handler handler);
  void add_stream(std::string method, Access access, StreamValidator validate, StreamHandler handler);

  struct Route {
    Access access = Access::admin;
    Handler handler;
    StreamValidator validate;
    StreamHandler stream;
  };
  [[nodiscard]] const Route* find(const std::string& method) const;
  [[nodiscard]] std::vector<std::string> methods() const;

 private:
  std::map<std::string, Route> routes_;
};

}  // namespace seismo::api
