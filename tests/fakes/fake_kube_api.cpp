#include "fake_kube_api.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>

#include "kube_routes.h"

namespace seismo::fakes {

namespace {

std::unique_ptr<httplib::Server> make_server() {
  auto server = std::make_unique<httplib::Server>();
  // httplib's default sets SO_REUSEPORT: a second process binding port 0 can
  // be given the same port, and the kernel then splits connections between
  // the two servers (ctest -j2 runs fakes side by side). SO_REUSEADDR only.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  return server;
}

}  // namespace

FakeKubeApi::FakeKubeApi() : server_(make_server()) {}

Result<void> FakeKubeApi::listen(int port) {
  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return fail_plain("fake kube api: cannot bind 127.0.0.1");
  } else if (!server_->bind_to_port("127.0.0.1", port)) {
    return fail_plain("fake kube api: cannot bind 127.0.0.1:" + std::to_string(port) + " again");
  }
  thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!server_->is_running()) return fail_plain("fake kube api: server did not start");
  return {};
}

Result<std::unique_ptr<FakeKubeApi>> FakeKubeApi::start() {
  std::unique_ptr<FakeKubeApi> api(new FakeKubeApi());  // NOLINT: private ctor
  api->install_routes();
  if (auto ok = api->listen(); !ok) return fail(ok.error());
  return api;
}

Result<std::unique_ptr<FakeKubeApi>> FakeKubeApi::start_stateful(std::size_t history_limit) {
  std::unique_ptr<FakeKubeApi> api(new FakeKubeApi());  // NOLINT: private ctor
  api->store_ = std::make_unique<KubeObjectStore>(history_limit);
  api->store_->add_resource(KubeResource::pods());
  api->store_->add_resource(KubeResource::network_faults());
  api->store_->add_resource(KubeResource::nodes());
  api->routes_ = std::make_unique<KubeRoutes>(*api->store_, api->faults_, api->stopping_);
  api->prepare_stateful_server();
  if (auto ok = api->listen(); !ok) return fail(ok.error());
  return api;
}

void FakeKubeApi::prepare_stateful_server() {
  // Every open watch holds a worker: three daemons with a few watches each
  // outgrow httplib's default pool of 8. httplib owns the returned queue.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };  // NOLINT: httplib's API
  routes_->install(*server_);
}

void FakeKubeApi::stop_serving() {
  if (!store_) std::abort();
  stopping_ = true;  // open watches leave their loops; stop() then joins the workers
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

Result<void> FakeKubeApi::resume_serving() {
  if (!store_) std::abort();
  if (thread_.joinable()) return fail_plain("fake kube api: still serving (stop_serving first)");
  server_ = make_server();
  stopping_ = false;
  prepare_stateful_server();
  return listen(port_);
}

KubeObjectStore& FakeKubeApi::store() {
  if (!store_) std::abort();
  return *store_;
}

KubeFaults& FakeKubeApi::faults() {
  if (!store_) std::abort();
  return faults_;
}

FakeKubeApi::~FakeKubeApi() {
  stopping_ = true;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeKubeApi::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeKubeApi::push_list(int status, std::string body) {
  std::lock_guard lock(mu_);
  lists_.emplace_back(status, std::move(body));
}

void FakeKubeApi::push_watch(WatchScript script) {
  std::lock_guard lock(mu_);
  watches_.push_back(std::move(script));
}

void FakeKubeApi::push_event(std::string line) {
  std::lock_guard lock(mu_);
  live_.push_back(std::move(line));
}

void FakeKubeApi::drop_streams() {
  std::lock_guard lock(mu_);
  ++drop_epoch_;
}

void FakeKubeApi::set_list(std::string body) {
  std::lock_guard lock(mu_);
  lists_.clear();
  last_list_ = {200, std::move(body)};
}

std::size_t FakeKubeApi::list_requests() const {
  std::lock_guard lock(mu_);
  return list_requests_;
}
std::size_t FakeKubeApi::watch_requests() const {
  std::lock_guard lock(mu_);
  return watch_requests_;
}
std::vector<std::string> FakeKubeApi::watch_resource_versions() const {
  std::lock_guard lock(mu_);
  return watch_rvs_;
}
std::vector<std::string> FakeKubeApi::field_selectors() const {
  std::lock_guard lock(mu_);
  return field_selectors_;
}
std::vector<std::string> FakeKubeApi::authorizations() const {
  std::lock_guard lock(mu_);
  return authorizations_;
}

void FakeKubeApi::install_routes() {
  server_->Get("/api/v1/pods", [this](const httplib::Request& req, httplib::Response& res) {
    bool watch = req.has_param("watch");
    WatchScript script;
    script.hold_open = true;
    {
      std::lock_guard lock(mu_);
      field_selectors_.push_back(req.get_param_value("fieldSelector"));
      authorizations_.push_back(req.get_header_value("Authorization"));
      if (!watch) {
        ++list_requests_;
        if (!lists_.empty()) {
          last_list_ = lists_.front();
          lists_.pop_front();
        }
        res.status = last_list_.first;
        res.set_content(last_list_.second, "application/json");
        return;
      }
      ++watch_requests_;
      watch_rvs_.push_back(req.get_param_value("resourceVersion"));
      if (!watches_.empty()) {
        script = std::move(watches_.front());
        watches_.pop_front();
      }
    }
    res.status = script.status;
    if (script.status != 200) {
      res.set_content(script.body, "application/json");
      return;
    }
    auto shared = std::make_shared<WatchScript>(std::move(script));
    uint64_t epoch = 0;
    {
      std::lock_guard lock(mu_);
      epoch = drop_epoch_;
    }
    res.set_chunked_content_provider("application/json", [this, shared, epoch](std::size_t, httplib::DataSink& sink) {
      for (const auto& line : shared->lines) {
        std::string chunk = line + "\n";
        if (!sink.write(chunk.data(), chunk.size())) return false;
      }
      if (shared->drop) return false;
      if (shared->stall) {
        while (!stopping_ && sink.is_writable()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return false;
      }
      while (shared->hold_open && !stopping_ && sink.is_writable()) {
        std::string live;
        {
          std::lock_guard lock(mu_);
          if (drop_epoch_ != epoch) return false;
          if (!live_.empty()) {
            live = std::move(live_.front());
            live_.pop_front();
          }
        }
        if (!live.empty()) {
          live += "\n";
          if (!sink.write(live.data(), live.size())) return false;
          continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (stopping_ || shared->hold_open) return false;
      sink.done();
      return true;
    });
  });
}

}  // namespace seismo::fakes
