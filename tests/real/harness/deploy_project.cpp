#include "real/harness/deploy_project.hpp"

#include <stdlib.h>

#include <stdexcept>

#include "support/paths.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

DeployProject::DeployProject(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  dir_ = pattern;
  fs::copy(source_dir() / "tests/data/deploy", dir_ / "project", fs::copy_options::recursive);
}

DeployProject::~DeployProject() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

ProcessResult DeployProject::rehome(std::vector<std::string> args, std::chrono::milliseconds timeout) const {
  args.insert(args.begin(), rehome_binary().string());
  return run_process(args, {.cwd = dir_, .timeout = timeout});
}

ProcessResult DeployProject::script(const DockerEngine& engine, const std::vector<std::string>& argv) const {
  return run_process(argv, {.env = {{"DOCKER_HOST", engine.host()},
                                    {"DOCKER_CONFIG", (engine.root() / "cli").string()},
                                    {"DOCKER_BUILDKIT", "0"},
                                    {"SECRETS_DIR", (dir_ / "secrets").string()}},
                            .cwd = dir_ / "out",
                            .timeout = 300s});
}

}  // namespace rehome::test
