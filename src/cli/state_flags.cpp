#include "cli/state_flags.hpp"

#include <fmt/format.h>

#include "migrate/resume_decision.hpp"

namespace rehome::cli {

void add_state_flags(CLI::App& app, std::string& work_dir, std::string& state,
                     const std::string& state_name) {
  work_dir = migrate::default_work_dir;
  app.add_option(
      "--work-dir", work_dir,
      fmt::format("work folder: the resume state and work files (default: ./{})", migrate::default_work_dir));
  app.add_option("--state", state, fmt::format("the state file itself (default: <work-dir>/{})", state_name));
}

}  // namespace rehome::cli
