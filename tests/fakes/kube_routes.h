#pragma once

#include <atomic>
#include <string>

#include "kube_faults.h"
#include "kube_object_store.h"

namespace httplib {
class Server;
class DataSink;
struct Request;
struct Response;
}  // namespace httplib

namespace seismo::fakes {

// The REST surface of the stateful fake over a KubeObjectStore:
//   /api/v1/{plural}, /api/v1/namespaces/{ns}/{plural}[/{name}[/status]]
//   /apis/{g}/{v}/{plural}, /apis/{g}/{v}/namespaces/{ns}/{plural}[/{name}[/status]]
// GET (get, list, watch), POST, PUT, PATCH (apply, merge, json), DELETE.
// List lives in kube_list.cpp, watch in kube_watch.cpp, the rest in
// kube_routes.cpp.
class KubeRoutes {
 public:
  KubeRoutes(KubeObjectStore& store, KubeFaults& faults, const std::atomic<bool>& stopping)
      : store_(store), faults_(faults), stopping_(stopping) {}
  void install(httplib::Server& server);

  // What a path names; `resource` null when it names nothing served.
  struct Target {
    const KubeResource* resource = nullptr;
    std::string ns, name, subresource;
  };
  [[nodiscard]] Target parse_path(const std::string& path) const;

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  void list(const Target& t, const httplib::Request& req, httplib::Response& res);
  void watch(const Target& t, const httplib::Request& req, httplib::Response& res);
  void patch(const Target& t, const httplib::Request& req, httplib::Response& res);
  struct WatchSpec;  // kube_watch.cpp
  // Streams one watch until it ends; false: end without the last chunk.
  bool stream(const WatchSpec& spec, httplib::DataSink& sink);

  KubeObjectStore& store_;
  KubeFaults& faults_;
  const std::atomic<bool>& stopping_;
};

void send_reply(httplib::Response& res, const ApiReply& reply);

}  // namespace seismo::fakes
