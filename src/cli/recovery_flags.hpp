#pragma once
// The recovery model's flags, shared by `rehome failover` and `rehome drill` (see docs/resilience.md).
#include <map>
#include <string>

#include <CLI/CLI.hpp>

namespace rehome::cli {

// Adds the flags; their texts land in `values` (flag name without dashes -> text), ready for
// resilience::apply_overrides. `values` must outlive parsing (keep it in the subcommand's shared flags).
inline void add_recovery_flags(CLI::App& app, std::map<std::string, std::string>& values) {
  app.add_option("--heartbeat", values["heartbeat"], "time until a dead node is declared down (default 10s)");
  app.add_option("--dispatcher-heartbeat", values["dispatcher-heartbeat"],
                 "the Swarm's dispatcher heartbeat period; detection = 3 x this (overrides --heartbeat)");
  app.add_option("--election", values["election"], "leader election when a manager is lost (default 10s)");
  app.add_option("--scheduling", values["scheduling"], "orchestrator + scheduler delay (default 1s)");
  app.add_option("--restart-delay", values["restart-delay"], "restart_policy.delay (default 5s)");
  app.add_option("--image-pull", values["image-pull"],
                 "image pull when the target lacks the image (default 20s; 0s when preloaded)");
  app.add_option("--container-start", values["container-start"], "container create + start (default 2s)");
}

}  // namespace rehome::cli
