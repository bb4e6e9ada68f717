#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace seismo::pods {

// Where and how to reach the API server. Exactly what libcurl needs; files
// are read by the client on each request (service account tokens rotate).
struct KubeConfig {
  std::string server;       // "https://10.96.0.1:443" (http:// only for tests)
  std::string token;        // bearer token given inline
  std::string token_file;   // or read from here on every request
  std::string ca_file;      // PEM file, or
  std::string ca_pem;       // PEM bytes (kubeconfig certificate-authority-data)
  std::string client_cert_file, client_cert_pem;
  std::string client_key_file, client_key_pem;
  bool insecure_skip_tls_verify = false;
};

struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
// The process environment (std::getenv).
[[nodiscard]] EnvLookup process_env();

// In-cluster config: KUBERNETES_SERVICE_HOST/PORT plus the service account
// token and CA (both must exist and be non-empty).
[[nodiscard]] Result<KubeConfig> in_cluster_config(const InClusterPaths& paths, const EnvLookup& env);

// A kubeconfig file (current-context unless `context` is given). Supports
// token/tokenFile and client certificates; exec and auth-provider plugins
// are rejected with an error naming the field.
[[nodiscard]] Result<KubeConfig> kubeconfig_from_file(const std::string& path, std::string_view context = {});
// The same from the file's text; relative file names resolve against
// `path`'s directory, which is also named in errors.
[[nodiscard]] Result<KubeConfig> kubeconfig_from_text(std::string_view text, const std::string& path,
                                                      std::string_view context = {});

[[nodiscard]] Result<std::string> base64_decode(std::string_view in);

}  // namespace seismo::pods
