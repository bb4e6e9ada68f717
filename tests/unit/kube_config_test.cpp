#include "pods/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

using namespace seismo::pods;
namespace fs = std::filesystem;

namespace {
class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/seismo-kubecfg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  EnvLookup env(std::map<std::string, std::string> vars) {
    return [vars](const char* n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  std::string dir_;
};

void expect_error(const seismo::Result<KubeConfig>& r, const std::string& fragment) {
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}
}  // namespace

TEST_F(KubeConfigTest, InCluster) {
  InClusterPaths paths{write("token", "abc\n"), write("ca.crt", "-----BEGIN CERTIFICATE-----\n")};
  auto r = in_cluster_config(paths, env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->server, "https://10.96.0.1:443");
  EXPECT_EQ(r->token_file, paths.token);
  EXPECT_EQ(r->ca_file, paths.ca);
  auto v6 = in_cluster_config(paths, env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->server, "https://[fd00::1]:6443");
}

TEST_F(KubeConfigTest, InClusterErrorsNameWhatIsMissing) {
  InClusterPaths paths{write("token", "abc"), write("ca.crt", "ca")};
  expect_error(in_cluster_config(paths, env({})), "KUBERNETES_SERVICE_HOST");
  expect_error(in_cluster_config(paths, env({{"KUBERNETES_SERVICE_HOST", "h"}})), "KUBERNETES_SERVICE_PORT");
  expect_error(in_cluster_config(paths, env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "99999"}})),
               "not a port");
  expect_error(in_cluster_config(paths, env({{"KUBERNETES_SERVICE_HOST", "h/x"}, {"KUBERNETES_SERVICE_PORT", "1"}})),
               "not a host");
  InClusterPaths missing{dir_ + "/nope", paths.ca};
  expect_error(in_cluster_config(missing, env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}})),
               "service account token");
  InClusterPaths empty{write("empty", ""), paths.ca};
  expect_error(in_cluster_config(empty, env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}})),
               "is empty");
}

TEST_F(KubeConfigTest, KubeconfigWithTokenAndCaData) {
  auto path = write("config", R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: other
  context: {cluster: nowhere, user: nobody}
- name: dev
  context: {cluster: kind, user: admin}
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTg==
users:
- name: admin
  user:
    token: s3cret
    client-certificate: certs/admin.crt
    client-key-data: a2V5
)");
  auto r = kubeconfig_from_file(path);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->server, "https://127.0.0.1:6443");
  EXPECT_EQ(r->ca_pem, "-----BEGIN");
  EXPECT_EQ(r->token, "s3cret");
  EXPECT_EQ(r->client_cert_file, dir_ + "/certs/admin.crt");
  EXPECT_EQ(r->client_key_pem, "key");
  expect_error(kubeconfig_from_file(path, "other"), "no entry named 'nowhere'");
}

TEST_F(KubeConfigTest, KubeconfigErrorsNameTheField) {
  expect_error(kubeconfig_from_file(dir_ + "/absent"), "kubeconfig");
  expect_error(kubeconfig_from_file(write("a", "- just\n- a list\n")), "not a YAML map");
  expect_error(kubeconfig_from_file(write("b", "contexts: []\n")), "current-context");
  expect_error(kubeconfig_from_file(write("c", "current-context: x\ncontexts: []\n")), "no entry named 'x'");
  expect_error(kubeconfig_from_file(write("c2", "current-context: x\ncontexts: [just-a-string]\n")), "kubeconfig");
  expect_error(kubeconfig_from_file(write("c3", "current-context: [1, 2]\n")), "kubeconfig");
  expect_error(kubeconfig_from_file(write("d", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: ftp://h}}]
)")),
               "server");
  expect_error(kubeconfig_from_file(write("e", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: "!!notbase64"}}]
users: [{name: u, user: {token: t}}]
)")),
               "certificate-authority-data");
  expect_error(kubeconfig_from_file(write("f", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: aws}}}]
)")),
               "users[u].user.exec");
  expect_error(kubeconfig_from_file(write("g", R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate-data: YQ==}}]
)")),
               "both be given");
}

TEST(Base64, Decodes) {
  EXPECT_EQ(*base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(*base64_decode("aGVs\nbG8h"), "hello!");
  EXPECT_FALSE(base64_decode("a$b"));
}
