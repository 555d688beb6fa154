// Steps 6 and 11: the runner reaches the new databases on a port only it may use (runbook/reach.hpp),
// opened before the copy and closed once the data is verified.
#include "move/context.hpp"
#include "runbook/reach.hpp"

namespace rehome::move {
namespace {

std::vector<runbook::Reach> reaches(const Context& c) {
  std::vector<runbook::Reach> out;
  std::set<std::string> seen;
  for (const auto& d : c.data) {
    if (d.engine == "volume" || !seen.insert(d.service).second) continue;
    out.push_back({d.service, c.swarm_service(d.service), d.engine, d.to_server, c.first_manager.name,
                   c.runbook.runner_address});
  }
  return out;
}

}  // namespace

std::vector<MoveStep> reach_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& r : reaches(c))
    for (const auto& st : runbook::open_reach_steps(r, 0, "0")) out.push_back(from_runbook(st, "reach"));
  return out;
}

std::vector<MoveStep> unreach_steps(const Context& c) {
  std::vector<MoveStep> out;
  for (const auto& r : reaches(c))
    for (const auto& st : runbook::close_reach_steps(r, 0, "0")) out.push_back(from_runbook(st, "unreach"));
  return out;
}

}  // namespace rehome::move
