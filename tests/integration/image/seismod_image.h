#pragma once

// Builds the image users deploy (manifests/Dockerfile) in a private podman
// store: a Debian bookworm base made locally with mmdebstrap (no registry
// is needed), the Dockerfile's `prebuilt` path with the binaries this
// build tree made, and its runtime stage unchanged.

#include <string>

#include "image/podman_store.h"

namespace seismo::testing {

struct ImageSources {
  std::string repo_dir;   // holds manifests/Dockerfile and manifests/runtime-packages.sh
  std::string seismod;    // host-built binaries
  std::string seismo;
  std::string cache_dir;  // keeps the base tarball between runs
};

// Why the image cannot be made here (missing tools, podman cannot run a
// container, no Debian mirror): the reason to skip with; empty when it can.
std::string image_unavailable_reason(const PodmanStore& podman, const ImageSources& sources, std::string& base_image);

// Builds the runtime image; returns its name.
Result<std::string> build_seismod_image(const PodmanStore& podman, const ImageSources& sources,
                                        const std::string& base_image);

}  // namespace seismo::testing
