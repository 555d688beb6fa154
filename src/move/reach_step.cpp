// Steps 6 and 11: the runner reaches the new databases on a port only it may use (runbook/reach.hpp),
// opened before the copy and closed once the data is verified.
//
// Publishing or unpublishing a port is a service update that restarts the database's task (about 4 s
// each), and step 11 runs inside the write freeze: so every database's update is sent at once (detached)
// in one step, whose checks then wait for each; the freeze pays one restart instead of one per database.
// The firewall rules stay a step per database and server: the rule goes in before any port opens and
// comes out after every port closed.
#include <fmt/format.h>

#include "move/context.hpp"
#include "runbook/reach.hpp"
#include "runbook/shell.hpp"

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

// The runbook's per-database port steps as one step: every update sent, then every check.
MoveStep merged(const std::vector<runbook::Step>& steps, const std::string& kind, const std::string& title,
                const std::string& what, const std::vector<std::string>& services) {
  MoveStep s =
      make_step(kind, "databases", title, fmt::format("{} ({}).", what, runbook::join(services, ", ")));
  for (const auto& st : steps) {
    const MoveStep one = from_runbook(st, kind);
    s.actions.insert(s.actions.end(), one.actions.begin(), one.actions.end());
    s.checks.insert(s.checks.end(), one.checks.begin(), one.checks.end());
    s.rollback.insert(s.rollback.end(), one.rollback.begin(), one.rollback.end());
  }
  return s;
}

}  // namespace

std::vector<MoveStep> reach_steps(const Context& c) {
  std::vector<MoveStep> out;
  std::vector<runbook::Step> publishes;
  std::vector<std::string> services;
  for (const auto& r : reaches(c)) {
    auto st = runbook::open_reach_steps(r, 0, "0");
    out.push_back(from_runbook(st[0], "reach"));
    publishes.push_back(st[1]);
    services.push_back(r.service);
  }
  if (!publishes.empty())
    out.push_back(
        merged(publishes, "reach", "publish the new databases to the runner",
               "Publishes each new database's port in host mode on its node, only the runner let in "
               "by the rules above; every update is sent at once, then each task is waited for",
               services));
  return out;
}

std::vector<MoveStep> unreach_steps(const Context& c) {
  std::vector<MoveStep> out;
  std::vector<runbook::Step> unpublishes;
  std::vector<MoveStep> unguards;
  std::vector<std::string> services;
  for (const auto& r : reaches(c)) {
    auto st = runbook::close_reach_steps(r, 0, "0");
    unpublishes.push_back(st[0]);
    unguards.push_back(from_runbook(st[1], "unreach"));
    services.push_back(r.service);
  }
  if (!unpublishes.empty())
    out.push_back(merged(unpublishes, "unreach", "unpublish the new databases",
                         "Removes the runner's port of each new database (each back on its overlay only); "
                         "every update is sent at once, then each task is waited for",
                         services));
  out.insert(out.end(), unguards.begin(), unguards.end());
  return out;
}

}  // namespace rehome::move
