// Kubeconfig files (`--kubeconfig`): YAML shape errors become Results, no
// exception escapes; an accepted config names an http(s) server.
#include "fuzz_check.h"
#include "pods/kube_config.h"

using namespace seismo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  for (std::string_view context : {std::string_view(), std::string_view("kind-kind")}) {
    auto cfg = pods::kubeconfig_from_text(text, "/etc/seismo/kubeconfig", context);
    if (!cfg) {
      fuzz::check(cfg.error().message().find("kubeconfig") != std::string::npos, "the error names the kubeconfig");
      continue;
    }
    fuzz::check(cfg->server.starts_with("https://") || cfg->server.starts_with("http://"), "an http(s) server");
    fuzz::check(!cfg->server.ends_with('/'), "no trailing slash on the server");
    bool has_cert = !cfg->client_cert_file.empty() || !cfg->client_cert_pem.empty();
    bool has_key = !cfg->client_key_file.empty() || !cfg->client_key_pem.empty();
    fuzz::check(has_cert == has_key, "client certificate and key come together");
  }
  return 0;
}
