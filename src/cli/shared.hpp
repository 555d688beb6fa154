#pragma once
// What one CLI file offers another: `rehome migrate run` (migrate_run.cpp) joins the `migrate`
// subcommand (migrate.cpp) and takes the same estate/plan arguments as `rehome runbook` (runbook.cpp).
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/subcommand.hpp"
#include "runbook/inputs.hpp"

namespace rehome::cli {

// The sub-subcommands of `rehome migrate` (postgres, redis, run, ...), filled by static initializers
// and set up in main() (cli/migrate.cpp).
std::vector<Subcommand>& migrate_subcommands();

// The estate, plan and option flags of a runbook (cli/runbook.cpp).
void add_runbook_arguments(CLI::App& app, runbook::RunbookArgs& args);

}  // namespace rehome::cli
