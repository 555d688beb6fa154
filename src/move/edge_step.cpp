// Step 12: the edge handover, in this order: the old proxy stops (80/443 free), then the new edge
// proxy binds 80/443. Rolled back in reverse: the new edge stops, then the old proxy starts.
#include <fmt/format.h>

#include "move/context.hpp"
#include "runbook/shell.hpp"

namespace rehome::move {

std::vector<MoveStep> edge_steps(const Context& c) {
  if (c.edge_proxies.empty()) return {};
  std::vector<MoveStep> out;
  MoveStep old = make_step("edge", "1-old-stop", "stop the old edge proxy",
                           fmt::format("Stops {} on {}, so ports 80/443 are free for the new edge.",
                                       runbook::join(c.edge_proxies, ", "), c.old_server.name));
  for (const auto& p : c.edge_proxies) {
    old.actions.push_back(stop_old(c, p));
    old.checks.push_back(none_running_old(c, p));
    old.rollback.push_back(start_old(c, p));
  }
  out.push_back(std::move(old));

  MoveStep bind = make_step("edge", "2-new-bind", "new edge binds 80/443",
                            fmt::format("Starts the new edge proxy ({}) on the edge servers, where it binds "
                                        "80/443 in host mode, and waits until it runs.",
                                        runbook::join(c.edge_proxies, ", ")));
  for (const auto& p : c.edge_proxies) {
    const auto* s = c.estate.find_service(p);
    if (s->global) {
      bind.what += fmt::format(
          " {} is global: it was deployed with its stack, and binds when the old proxy "
          "stops.",
          p);
      continue;
    }
    int replicas = std::max(1, s->replicas);
    // Detached: the check below waits until it runs. --detach=false also waits out the update monitor,
    // under the write freeze (measured: the edge ran after 3 s, the scale returned after 30 s).
    bind.actions.push_back(
        {c.first_manager.name,
         fmt::format("docker service scale --detach=true {}={}", c.swarm_service(p), replicas), false});
    bind.checks.push_back(
        {c.first_manager.name,
         runbook::retry_until(
             fmt::format("[ \"$(docker service ls --filter name={0} --format '{{{{.Replicas}}}}' "
                         "| head -n 1)\" = \"{1}/{1}\" ]",
                         c.swarm_service(p), replicas),
             c.options.converge_timeout_seconds),
         false});
    bind.rollback.push_back({c.first_manager.name,
                             fmt::format("docker service scale --detach=false {}=0", c.swarm_service(p)),
                             false});
  }
  if (bind.actions.empty())
    bind.rollback_note = "nothing to undo (global edge services follow the old proxy)";
  out.push_back(std::move(bind));
  return out;
}

}  // namespace rehome::move
