#include "pods/kube_config.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace seismo::pods {
namespace {

Result<std::string> read_small_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail_errno(errno == 0 ? ENOENT : errno, fmt::format("{}: open '{}'", what, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.empty()) return fail_plain(fmt::format("{}: '{}' is empty", what, path));
  return s;
}

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return h.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") ==
         std::string_view::npos;
}

// A scalar string field of a YAML map; absent → empty.
Result<std::string> yaml_string(const YAML::Node& node, const char* key, const std::string& field) {
  auto v = node[key];
  if (!v) return std::string();
  if (!v.IsScalar()) return fail_plain(fmt::format("kubeconfig field '{}.{}': not a string", field, key));
  return v.as<std::string>();
}

Result<YAML::Node> named_entry(const YAML::Node& root, const char* list, const std::string& name, const char* inner) {
  auto seq = root[list];
  if (!seq || !seq.IsSequence()) return fail_plain(fmt::format("kubeconfig field '{}': missing or not a list", list));
  for (const auto& item : seq) {
    if (item["name"] && item["name"].IsScalar() && item["name"].as<std::string>() == name) {
      auto node = item[inner];
      if (!node || !node.IsMap()) {
        return fail_plain(fmt::format("kubeconfig field '{}[{}].{}': missing or not a map", list, name, inner));
      }
      return node;
    }
  }
  return fail_plain(fmt::format("kubeconfig field '{}': no entry named '{}'", list, name));
}

std::string resolve(const std::string& file, const std::filesystem::path& base) {
  if (file.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (base / file).string();
}

Result<void> file_or_data(const YAML::Node& node, const std::string& field, const char* file_key, const char* data_key,
                          const std::filesystem::path& base, std::string& file, std::string& pem) {
  auto f = yaml_string(node, file_key, field);
  if (!f) return fail(f.error());
  auto d = yaml_string(node, data_key, field);
  if (!d) return fail(d.error());
  file = resolve(*f, base);
  if (!d->empty()) {
    auto decoded = base64_decode(*d);
    if (!decoded) return fail(decoded.error().wrap(fmt::format("kubeconfig field '{}.{}'", field, data_key)));
    pem = std::move(*decoded);
  }
  return {};
}

}  // namespace

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only at startup
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> base64_decode(std::string_view in) {
  std::array<int, 256> table{};
  table.fill(-1);
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0 || padding) return fail_plain(fmt::format("base64: invalid character '{}'", c));
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFFu));
    }
  }
  return out;
}

Result<KubeConfig> in_cluster_config(const InClusterPaths& paths, const EnvLookup& env) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty()) return fail_plain("in-cluster config: KUBERNETES_SERVICE_HOST is not set");
  if (!port || port->empty()) return fail_plain("in-cluster config: KUBERNETES_SERVICE_PORT is not set");
  if (!valid_host(*host)) return fail_plain(fmt::format("in-cluster config: KUBERNETES_SERVICE_HOST '{}' is not a host", *host));
  char* end = nullptr;
  long p = std::strtol(port->c_str(), &end, 10);
  if (*end != '\0' || p <= 0 || p > 65535) {
    return fail_plain(fmt::format("in-cluster config: KUBERNETES_SERVICE_PORT '{}' is not a port", *port));
  }
  auto token = read_small_file(paths.token, "in-cluster config: service account token");
  if (!token) return fail(token.error());
  auto ca = read_small_file(paths.ca, "in-cluster config: service account CA");
  if (!ca) return fail(ca.error());
  KubeConfig cfg;
  // IPv6 service addresses need brackets in a URL.
  bool v6 = host->find(':') != std::string::npos;
  cfg.server = fmt::format("https://{}{}{}:{}", v6 ? "[" : "", *host, v6 ? "]" : "", p);
  cfg.token_file = paths.token;
  cfg.ca_file = paths.ca;
  return cfg;
}

namespace {
Result<KubeConfig> parse_kubeconfig(const YAML::Node& root, const std::string& path, std::string_view context);
}  // namespace

Result<KubeConfig> kubeconfig_from_file(const std::string& path, std::string_view context) {
  // yaml-cpp reports shape errors (a scalar where a map is expected) by
  // throwing; they stop here and become an Error naming the file.
  try {
    return parse_kubeconfig(YAML::LoadFile(path), path, context);
  } catch (const YAML::Exception& e) {
    return fail_plain(fmt::format("kubeconfig '{}': {}", path, e.what()));
  }
}

Result<KubeConfig> kubeconfig_from_text(std::string_view text, const std::string& path, std::string_view context) {
  try {
    return parse_kubeconfig(YAML::Load(std::string(text)), path, context);
  } catch (const YAML::Exception& e) {
    return fail_plain(fmt::format("kubeconfig '{}': {}", path, e.what()));
  }
}

namespace {
Result<KubeConfig> parse_kubeconfig(const YAML::Node& root, const std::string& path, std::string_view context) {
  auto wrap = [&](const Error& e) { return fail(e.wrap(fmt::format("kubeconfig '{}'", path))); };
  if (!root.IsMap()) return fail_plain(fmt::format("kubeconfig '{}': not a YAML map", path));
  std::string ctx_name(context);
  if (ctx_name.empty()) {
    auto cur = yaml_string(root, "current-context", "");
    if (!cur) return wrap(cur.error());
    if (cur->empty()) return fail_plain(fmt::format("kubeconfig '{}': field 'current-context' is empty and no context was given", path));
    ctx_name = *cur;
  }
  auto ctx = named_entry(root, "contexts", ctx_name, "context");
  if (!ctx) return wrap(ctx.error());
  auto cluster_name = yaml_string(*ctx, "cluster", "contexts[" + ctx_name + "].context");
  auto user_name = yaml_string(*ctx, "user", "contexts[" + ctx_name + "].context");
  if (!cluster_name || cluster_name->empty()) return fail_plain(fmt::format("kubeconfig '{}': field 'contexts[{}].context.cluster' is missing", path, ctx_name));
  if (!user_name) return wrap(user_name.error());
  auto cluster = named_entry(root, "clusters", *cluster_name, "cluster");
  if (!cluster) return wrap(cluster.error());
  auto base = std::filesystem::path(path).parent_path();
  KubeConfig cfg;
  std::string cfield = "clusters[" + *cluster_name + "].cluster";
  auto server = yaml_string(*cluster, "server", cfield);
  if (!server) return wrap(server.error());
  if (!server->starts_with("https://") && !server->starts_with("http://")) {
    return fail_plain(fmt::format("kubeconfig '{}': field '{}.server': '{}' is not an http(s) URL", path, cfield, *server));
  }
  cfg.server = *server;
  while (cfg.server.ends_with('/')) cfg.server.pop_back();
  if (auto r = file_or_data(*cluster, cfield, "certificate-authority", "certificate-authority-data", base, cfg.ca_file, cfg.ca_pem); !r) {
    return wrap(r.error());
  }
  if (auto v = (*cluster)["insecure-skip-tls-verify"]; v && v.IsScalar()) cfg.insecure_skip_tls_verify = v.as<std::string>() == "true";
  if (!user_name->empty()) {
    auto user = named_entry(root, "users", *user_name, "user");
    if (!user) return wrap(user.error());
    std::string ufield = "users[" + *user_name + "].user";
    for (const char* plugin : {"exec", "auth-provider"}) {
      if ((*user)[plugin]) return fail_plain(fmt::format("kubeconfig '{}': field '{}.{}': credential plugins are not supported; use a token or client certificate", path, ufield, plugin));
    }
    auto token = yaml_string(*user, "token", ufield);
    auto token_file = yaml_string(*user, "tokenFile", ufield);
    if (!token) return wrap(token.error());
    if (!token_file) return wrap(token_file.error());
    cfg.token = *token;
    cfg.token_file = resolve(*token_file, base);
    if (auto r = file_or_data(*user, ufield, "client-certificate", "client-certificate-data", base, cfg.client_cert_file, cfg.client_cert_pem); !r) return wrap(r.error());
    if (auto r = file_or_data(*user, ufield, "client-key", "client-key-data", base, cfg.client_key_file, cfg.client_key_pem); !r) return wrap(r.error());
    bool has_cert = !cfg.client_cert_file.empty() || !cfg.client_cert_pem.empty();
    bool has_key = !cfg.client_key_file.empty() || !cfg.client_key_pem.empty();
    if (has_cert != has_key) return fail_plain(fmt::format("kubeconfig '{}': field '{}': client certificate and key must both be given", path, ufield));
  }
  return cfg;
}
}  // namespace

}  // namespace seismo::pods
