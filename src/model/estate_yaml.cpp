#include "model/estate_yaml.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"

namespace rehome::model {
namespace {

constexpr size_t kMaxProblemsShown = 50;

[[noreturn]] void throw_problems(const std::string& filename, std::vector<Problem> problems) {
  size_t count = problems.size();
  if (problems.size() > kMaxProblemsShown) problems.resize(kMaxProblemsShown);
  std::string what = fmt::format("{} is not a valid estate ({} problem{}):\n{}", filename, count,
                                 count == 1 ? "" : "s", format_problems(std::move(problems)));
  if (count > kMaxProblemsShown) what += fmt::format("... and {} more\n", count - kMaxProblemsShown);
  what.pop_back();  // the last newline
  throw UserError(what, "fix the lines above and run `rehome estate " + filename + "` again",
                  exit_code::bad_input);
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : exe.parent_path();
}

}  // namespace

Estate parse_estate(const std::string& yaml, const std::string& filename) {
  EstateReading reading = read_estate(yaml, filename);
  if (!reading.ok()) throw_problems(filename, std::move(reading.problems));
  return std::move(reading.estate);
}

Estate load_estate(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path))
    throw UserError(path.string() + " is a folder, not an estate file", "name the estate.yaml inside it");
  return parse_estate(read_file(path), path.string());
}

// The examples folder: next to the binary (build/rehome -> ../examples), else where the source
// tree was at build time.
std::filesystem::path default_estate_path() {
  const std::filesystem::path relative = "wizardsofts/estate.yaml";
  std::vector<std::filesystem::path> candidates;
  if (auto dir = executable_dir(); !dir.empty()) {
    candidates.push_back(dir / "../examples" / relative);
    candidates.push_back(dir / "examples" / relative);
    candidates.push_back(dir / "../share/rehome/examples" / relative);
  }
#ifdef REHOME_EXAMPLES_DIR
  candidates.push_back(std::filesystem::path(REHOME_EXAMPLES_DIR) / relative);
#endif
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c.lexically_normal();
  }
  throw UserError("cannot find the built-in example estate (examples/wizardsofts/estate.yaml)",
                  "name an estate file on the command line, or run rehome from its build folder");
}

Estate default_estate() { return load_estate(default_estate_path()); }

}  // namespace rehome::model
