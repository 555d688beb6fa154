#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"
#include "runbook/runbook.hpp"
#include "runbook/transport.hpp"

namespace rehome::runbook {

// The estate and plan every later command starts from, and the files they came from.
struct Inputs {
  model::Estate estate;
  plan::Plan plan;
  std::string estate_file;
  std::string plan_file;
};

// `estate_arg` empty = the built-in example. `plan_arg` empty = the planner's plan, saved to
// <workdir>/plan.yaml (said on `note`) so the runbook's commands can name a file a person can review.
Inputs load_inputs(const std::string& estate_arg, const std::string& plan_arg, const std::string& workdir,
                   std::ostream& note);

// What a person says about the runbook on the command line (`rehome runbook`, `rehome migrate run`).
struct RunbookArgs {
  std::string estate, plan;
  std::string workdir = "rehome-work";
  std::string old_server;
  std::string window = "72h";
  std::string targets;
  std::string rehome = "rehome";
  std::string firewall = "ufw";
  std::string runner_address;
  CopyOptions copy;                  // --jobs, --verify: every mover's command
  std::string old_engine;            // --old-engine
  std::vector<std::string> engines;  // --engine SERVER=DOCKER_HOST (repeatable)
};
// Throws UserError for a malformed window, or an --engine that is not SERVER=URL with a server of the estate.
RunbookOptions runbook_options(const RunbookArgs& args, const Inputs& inputs);

// The credentials file (empty path = none): NAME=value lines given to every command.
Env load_credentials(const std::string& path);

}  // namespace rehome::runbook
