#pragma once
// What every step builder of the move reads, resolved once by make_move (context.cpp).
#include <set>
#include <string>
#include <vector>

#include "move/move.hpp"
#include "runbook/phases.hpp"
#include "runbook/runbook.hpp"

namespace rehome::move {

struct Context {
  const model::Estate& estate;
  const plan::Plan& plan;
  const MoveOptions& options;
  const model::Server& old_server;
  const model::Server& first_manager;
  runbook::RunbookOptions runbook;  // the same folders and files, for the runbook's step builders
  std::vector<DataItem> data;
  std::set<std::string> stacks;                          // every generated stack
  std::vector<std::string> writers;                      // old services the write freeze stops
  std::vector<std::string> edge_proxies;                 // the old and new edge proxy services
  std::map<std::string, std::vector<std::string>> held;  // stack -> services held at 0 until cutover

  // The same estate, plan, servers and options as the runbook's step builders read them.
  runbook::Context as_runbook() const;
  std::string generated() const { return options.work_dir + "/generated"; }
  // `docker` on the old server (through --old-engine when given), and where that runs.
  std::string old_docker() const;
  std::string old_host() const;
  // The Swarm service name `docker stack deploy` gives an estate service.
  std::string swarm_service(const std::string& service) const;
  std::string evidence_dir() const { return options.work_dir + "/evidence"; }
};

// One builder per step kind (each in its own <kind>_step.cpp), returning its steps in order.
std::vector<MoveStep> plan_steps(const Context& c);
std::vector<MoveStep> generate_steps(const Context& c);
std::vector<MoveStep> bootstrap_steps(const Context& c);
std::vector<MoveStep> registry_steps(const Context& c);
std::vector<MoveStep> deploy_steps(const Context& c);
std::vector<MoveStep> reach_steps(const Context& c);
std::vector<MoveStep> copy_steps(const Context& c);
std::vector<MoveStep> freeze_steps(const Context& c);
std::vector<MoveStep> final_sync_steps(const Context& c);
std::vector<MoveStep> verify_steps(const Context& c);
std::vector<MoveStep> unreach_steps(const Context& c);
std::vector<MoveStep> edge_steps(const Context& c);
std::vector<MoveStep> writers_steps(const Context& c);
std::vector<MoveStep> validate_steps(const Context& c);
std::vector<MoveStep> drill_steps(const Context& c);
std::vector<MoveStep> report_steps(const Context& c);

// A step of the move made from a step the runbook writes (same command, check and rollback).
MoveStep from_runbook(const runbook::Step& step, const std::string& kind);
// A step with its id "<nn>.<kind>.<name>" (nn: the kind's position, so ids sort in order).
MoveStep make_step(const std::string& kind, const std::string& name, std::string title, std::string what);

// The old containers of a compose service on the old engine (label com.docker.compose.service).
std::string old_containers(const Context& c, const std::string& service, bool running_only);
// On the old engine: stop a service's containers, check none runs, start them again (the rollback).
Action stop_old(const Context& c, const std::string& service);
Action none_running_old(const Context& c, const std::string& service);
Action start_old(const Context& c, const std::string& service);

}  // namespace rehome::move
