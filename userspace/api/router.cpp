#include "api/router.h"

#include <stdexcept>

namespace seismo::api {

void Router::add(std::string method, Access access, Handler handler) {
  if (!routes_.emplace(std::move(method), Route{access, std::move(handler), {}, {}}).second)
    throw std::logic_error("api method registered twice");
}

void Router::add_stream(std::string method, Access access, StreamValidator validate, StreamHandler handler) {
  if (!routes_.emplace(std::move(method), Route{access, {}, std::move(validate), std::move(handler)}).second)
    throw std::logic_error("api method registered twice");
}

const Router::Route* Router::find(const std::string& method) const {
  auto it = routes_.find(method);
  return it == routes_.end() ? nullptr : &it->second;
}

std::vector<std::string> Router::methods() const {
  std::vector<std::string> out;
  for (const auto& [name, route] : routes_) out.push_back(name);
  return out;
}

}  // namespace seismo::api
