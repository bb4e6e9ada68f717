#include "image/seismod_image.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace seismo::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr const char* kBaseImage = "localhost/seismo-test-base:bookworm";
// A base older than this is remade (security updates; mmdebstrap takes
// 20 s to 4 min here, depending on load).
constexpr auto kBaseMaxAge = std::chrono::hours(24 * 7);

std::string tail(const std::string& s, size_t n = 2000) { return s.size() > n ? s.substr(s.size() - n) : s; }

bool fresh(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  return !ec && fs::file_time_type::clock::now() - t < kBaseMaxAge;
}

// minbase bookworm stands for both debian:bookworm and debian:bookworm-slim.
Result<std::string> base_tarball(const ImageSources& s) {
  std::error_code ec;
  fs::create_directories(s.cache_dir, ec);
  const fs::path tar = fs::path(s.cache_dir) / "base-bookworm.tar";
  if (fs::exists(tar) && !fs::is_regular_file(tar)) fs::remove_all(tar, ec);  // an earlier run's directory
  if (fs::exists(tar) && fresh(tar)) return tar.string();
  // mmdebstrap picks its output format from the name: it must end in .tar,
  // or it writes a directory tree instead of a tarball.
  const std::string partial = (fs::path(s.cache_dir) / fmt::format("base-bookworm.partial-{}.tar", ::getpid())).string();
  auto r = run_command({"timeout", "1200", "mmdebstrap", "--quiet", "--variant=minbase", "bookworm", partial});
  if (r.status != 0) {
    fs::remove(partial, ec);
    return fail_plain("mmdebstrap could not make a bookworm base (is a Debian mirror reachable?): " + tail(r.output));
  }
  fs::rename(partial, tar, ec);
  if (ec) return fail_plain("rename " + partial + ": " + ec.message());
  return tar.string();
}

}  // namespace

std::string image_unavailable_reason(const PodmanStore& podman, const ImageSources& s, std::string& base_image) {
  for (const char* tool : {"mmdebstrap", "dpkg", "ldd", "strip", "curl", "tc"}) {
    if (std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) != 0)
      return std::string(tool) + " is not installed";
  }
  auto tar = base_tarball(s);
  if (!tar) return tar.error().message();
  if (auto r = podman.run_checked({"import", *tar, kBaseImage}, seconds(600)); !r) return r.error().message();
  // The runtime works here at all (runc, cgroupfs, overlay storage).
  auto probe = podman.run({"run", "--rm", "--network=none", kBaseImage, "true"}, seconds(300));
  if (probe.status != 0) return "podman cannot run a container here: " + tail(probe.output);
  base_image = kBaseImage;
  return {};
}

Result<std::string> build_seismod_image(const PodmanStore& podman, const ImageSources& s,
                                        const std::string& base_image) {
  const fs::path ctx = fs::path(podman.dir()) / "context";
  std::error_code ec;
  fs::create_directories(ctx, ec);
  if (ec) return fail_plain("create " + ctx.string() + ": " + ec.message());
  // The same stripping and package derivation as the Dockerfile's build stage.
  for (const auto& [from, to] : {std::pair{s.seismod, "seismod"}, std::pair{s.seismo, "seismo"}}) {
    if (auto r = run_checked({"strip", "--strip-debug", "-o", (ctx / to).string(), from}); !r)
      return fail(std::move(r).error());
  }
  auto pkgs = run_checked({s.repo_dir + "/manifests/runtime-packages.sh", (ctx / "seismod").string(),
                           (ctx / "seismo").string()});
  if (!pkgs) return fail(std::move(pkgs).error());
  {
    FILE* f = std::fopen((ctx / "runtime-packages.txt").c_str(), "w");
    if (f == nullptr || std::fputs(pkgs->c_str(), f) < 0 || std::fclose(f) != 0)
      return fail_plain("write runtime-packages.txt");
  }
  fs::copy_file(s.repo_dir + "/manifests/install-runtime.sh", ctx / "install-runtime.sh",
                fs::copy_options::overwrite_existing, ec);
  if (ec) return fail_plain("copy install-runtime.sh: " + ec.message());
  const std::string image = "localhost/seismod:image-test";
  auto built = podman.run_checked({"build", "--network=host", "--file", s.repo_dir + "/manifests/Dockerfile",
                                   "--target=prebuilt", "--build-arg=BUILD_BASE=" + base_image,
                                   "--build-arg=RUNTIME_BASE=" + base_image, "--tag", image, ctx.string()},
                                  seconds(1200));
  if (!built) return fail(std::move(built).error());
  return image;
}

}  // namespace seismo::testing
