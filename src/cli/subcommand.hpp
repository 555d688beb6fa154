#pragma once
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rehome::cli {

// A subcommand adds its options to `app` (already named and described) and returns the function that
// runs it after parsing; that function returns the process exit code (see common/error.hpp).
using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App& app)>;

struct Subcommand {
  std::string name;
  std::string description;
  Setup setup;
};

std::vector<Subcommand>& registry();

// Each cli/<name>.cpp registers itself with a static instance, so adding a subcommand is adding a file.
struct Register {
  Register(std::string name, std::string description, Setup setup) {
    registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace rehome::cli
