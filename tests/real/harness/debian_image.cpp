#include "real/harness/debian_image.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "support/paths.hpp"

namespace rehome::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string debian_image_tag(const std::string& name) { return "rehome/" + name + ":test"; }

fs::path debian_image_tarball(const std::string& name) {
  ProcessOptions options;
  options.timeout = 30min;  // a first build downloads a few hundred MB of packages
  auto built = run_process({"bash", (source_dir() / "scripts" / "build-images.sh").string(), name}, options);
  // The script prints "NAME TARBALL" on its last line.
  std::string last = built.out;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
  if (!built.ok() || last.rfind(name + " ", 0) != 0) {
    throw std::runtime_error(fmt::format("scripts/build-images.sh {} failed (exit {}{}): {}{}", name,
                                         built.exit_code, built.timed_out ? ", timed out" : "", built.err,
                                         built.out));
  }
  return last.substr(name.size() + 1);
}

std::vector<std::string> debian_image_changes(const std::string& name) {
  fs::path file = source_dir() / "tests" / "images" / name / "changes";
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("{} is missing: every image recipe has one", file.string()));
  std::vector<std::string> changes;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') changes.push_back(line);
  }
  return changes;
}

std::string import_debian_image(const DockerEngine& engine, const std::string& name, std::string tag) {
  if (tag.empty()) tag = debian_image_tag(name);
  if (engine.docker({"image", "inspect", "--format", "{{.Id}}", tag}).ok()) return tag;
  fs::path tarball = debian_image_tarball(name);
  std::vector<std::string> argv = {"import"};
  for (const auto& change : debian_image_changes(name)) argv.insert(argv.end(), {"--change", change});
  argv.insert(argv.end(), {tarball.string(), tag});
  ProcessOptions options;
  options.timeout = 10min;
  engine.docker_ok(argv, options);
  return tag;
}

}  // namespace rehome::test
