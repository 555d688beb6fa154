#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::cli {

std::vector<Subcommand>& registry() {
  static std::vector<Subcommand> subcommands;
  return subcommands;
}

}  // namespace rehome::cli

int main(int argc, char** argv) {
  using namespace rehome;
  CLI::App app{"rehome: move a container estate onto a small cluster, and prove the move is safe"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rehome 0.1.0");

  auto& subs = cli::registry();
  std::sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::map<CLI::App*, cli::Runner> runners;
  for (auto& sub : subs) {
    CLI::App* child = app.add_subcommand(sub.name, sub.description);
    runners[child] = sub.setup(*child);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_code::bad_input;
  } catch (const UserError& e) {
    std::cerr << "rehome: " << mask_secrets(e.what()) << "\n";
    if (!e.hint().empty()) std::cerr << "  what to do: " << mask_secrets(e.hint()) << "\n";
    return e.exit_code();
  }

  try {
    for (auto& [child, runner] : runners) {
      if (child->parsed() && runner) return runner();
    }
    std::cerr << app.help();
    return exit_code::bad_input;
  } catch (const UserError& e) {
    std::cerr << "rehome: " << mask_secrets(e.what()) << "\n";
    if (!e.hint().empty()) std::cerr << "  what to do: " << mask_secrets(e.hint()) << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "rehome: internal error: " << mask_secrets(e.what()) << "\n"
              << "  what to do: this is a bug in rehome; please report it with the command you ran\n";
    return 3;
  }
}
