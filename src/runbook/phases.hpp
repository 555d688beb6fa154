#pragma once
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"
#include "runbook/runbook.hpp"

namespace rehome::runbook {

// Everything a phase builder needs, resolved once by make_runbook.
struct Context {
  const model::Estate& estate;
  const plan::Plan& plan;
  const RunbookOptions& options;
  const model::Server& old_server;
  const model::Server& first_manager;  // where Swarm is initialised and stacks are deployed
};

// A step of `phase` with its id "<phase>.<id>", title, what and host; command, verify and rollback to fill.
Step make_step(int phase, std::string id, std::string title, std::string what, std::string host);

// One builder per phase (phases.cpp, cleanup.cpp): each returns the phase's steps in order.
std::vector<Step> prechecks(const Context& c);
std::vector<Step> security(const Context& c);
std::vector<Step> swarm_bootstrap(const Context& c);
std::vector<Step> databases(const Context& c);
std::vector<Step> monitoring(const Context& c);
std::vector<Step> services(const Context& c);
std::vector<Step> validation(const Context& c);
std::vector<Step> cleanup(const Context& c);

// Phase 2's registry step (images.cpp): push the locally built images, then each server pulls its own.
std::vector<Step> image_steps(const Context& c);

// Deploys one generated stack and waits until every service of it has all its replicas running.
Step deploy_stack_step(const Context& c, int phase, const std::string& stack);

}  // namespace rehome::runbook
