#include "soak_lab.h"

#include <fstream>

#include "api/client.h"
#include "leftovers.h"

namespace seismo::bench {

using nlohmann::json;

long Lab::tc_objects() const {
  const long a = bench::tc_objects(net.a(), net.veth().a_name());
  const long b = bench::tc_objects(net.b(), net.veth().b_name());
  return a < 0 || b < 0 ? -1 : a + b;
}

Result<std::unique_ptr<Lab>> make_lab() {
  auto fs = testing::TempBpffs::create();
  if (!fs) return fail(std::move(fs).error());
  testing::VethPair::Options vo;
  vo.a_address = "10.213.0.1/24";
  vo.b_address = "10.213.0.2/24";
  auto net = testing::NetnsPair::create(vo);
  if (!net) return fail(std::move(net).error());
  auto tree = testing::KubepodsTree::create();
  if (!tree) return fail(std::move(tree).error());
  auto api = fakes::FakeKubeApi::start();
  if (!api) return fail(std::move(api).error());
  auto lab = std::make_unique<Lab>(std::move(*fs), std::move(*net), std::move(*tree), std::move(*api));
  std::ofstream(lab->kubeconfig()) << fmt::format(
      "apiVersion: v1\nkind: Config\ncurrent-context: soak\n"
      "clusters: [{{name: soak, cluster: {{server: '{}'}}}}]\n"
      "users: [{{name: soak, user: {{token: soak-token}}}}]\n"
      "contexts: [{{name: soak, context: {{cluster: soak, user: soak}}}}]\n",
      lab->api->url());
  return lab;
}

json daemon_status(const std::string& socket) {
  auto c = api::Client::connect(socket);
  if (!c) return json::object();
  auto r = c->call("status", json::object(), std::chrono::seconds(10));
  return r && r->is_object() ? *r : json::object();
}

}  // namespace seismo::bench
