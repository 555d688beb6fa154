#pragma once
// --work-dir and --state, the same for every mover (docs/migrate.md, "Resume state and its target"):
// the resume state and the mover's work files live in one work folder, ./rehome-work unless told.
#include <string>

#include <CLI/CLI.hpp>

namespace rehome::cli {

// `work_dir` starts as migrate::default_work_dir; `state_name` is the state file's name inside the work
// folder, for the help text ("postgres-<db>-<hash>.state.json").
void add_state_flags(CLI::App& app, std::string& work_dir, std::string& state, const std::string& state_name);

}  // namespace rehome::cli
