#pragma once
// A copy of tests/data/deploy (the small shop estate: compose file, app source, .env) in a fresh
// temporary folder, and the two ways a test runs things in it: the rehome binary with the folder as
// its working directory, and a generated script the way a person runs it (the docker CLI pointed at
// one engine, SECRETS_DIR = <dir>/secrets, in <dir>/out). Removed with everything in it at the end.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "real/harness/dockerd.hpp"

namespace rehome::test {

class DeployProject {
 public:
  explicit DeployProject(const std::string& prefix);  // <tmp>/<prefix>-XXXXXX with project/ in it
  ~DeployProject();
  DeployProject(const DeployProject&) = delete;
  DeployProject& operator=(const DeployProject&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  ProcessResult rehome(std::vector<std::string> args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(120)) const;
  ProcessResult script(const DockerEngine& engine, const std::vector<std::string>& argv) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rehome::test
