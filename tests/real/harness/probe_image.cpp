#include "real/harness/probe_image.hpp"

#include <unistd.h>

#include <stdexcept>

#include <fmt/format.h>

#include "common/atomic_file.hpp"

namespace rehome::test {
namespace fs = std::filesystem;

fs::path probe_binary() {
  fs::path path = REHOME_PROBE_BINARY;
  if (!fs::exists(path)) {
    throw std::runtime_error(
        fmt::format("probe binary {} is missing: build the `probe` target", path.string()));
  }
  return path;
}

std::vector<std::string> probe_health_command(int port) {
  return {"/probe", "--check", fmt::format("http://127.0.0.1:{}/health", port)};
}

std::string build_probe_image(const DockerEngine& engine, const std::string& tag) {
  // The build context: the probe and a Dockerfile, in the engine's own folder (removed with it).
  fs::path context = engine.root() / "probe-image";
  fs::create_directories(context);
  fs::copy_file(probe_binary(), context / "probe", fs::copy_options::overwrite_existing);
  write_file_atomically(context / "Dockerfile", fmt::format(R"(FROM scratch
COPY probe /probe
EXPOSE {port}
HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=3 CMD ["/probe", "--check", "http://127.0.0.1:{port}/health"]
ENTRYPOINT ["/probe"]
)",
                                                            fmt::arg("port", kProbePort)));
  engine.docker_ok({"build", "--quiet", "--tag", tag, context.string()});
  return tag;
}

}  // namespace rehome::test
