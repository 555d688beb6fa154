#include <fmt/format.h>

#include "runbook/old_containers.hpp"
#include "runbook/order.hpp"
#include "runbook/phases.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {
std::vector<Step> cleanup(const Context& c) {
  std::vector<std::string> groups[3];  // databases (after phase 3), monitoring (4), the rest (5)
  std::vector<std::string> all;
  for (const auto& s : c.estate.services) {
    int phase = service_phase(s);
    groups[phase - 3].push_back(s.name);
    all.push_back(s.name);
  }
  const char* labels[3] = {"databases", "monitoring", "services"};
  std::string window = model::format_duration(c.options.verification_window);
  std::vector<Step> out;
  for (int i = 0; i < 3; ++i) {
    if (groups[i].empty()) continue;
    Step s;
    s.id = fmt::format("7.stop-old-{}", labels[i]);
    s.phase = 7;
    s.gate_after_phase = 3 + i;
    s.title = fmt::format("stop old {} on {}", labels[i], c.old_server.name);
    s.what = fmt::format(
        "Stops the old {} containers on {} ({}), {} after phase {} completed. They stay on disk so "
        "they can be started again.",
        labels[i], c.old_server.name, join(groups[i], ", "), window, 3 + i);
    s.host = c.old_server.name;
    s.command = for_each_old_container(groups[i], "stop");
    s.verify = no_old_container(groups[i]);
    s.rollback = for_each_old_container(groups[i], "start");
    out.push_back(s);
  }
  Step rm;
  rm.id = "7.remove-old-containers";
  rm.phase = 7;
  rm.gate_after_phase = 6;
  rm.title = "remove old containers on " + c.old_server.name;
  rm.what = fmt::format(
      "Removes the stopped old containers, {} after validation passed. Their volumes are kept.", window);
  rm.host = c.old_server.name;
  rm.command = for_each_old_container(all, "rm");
  rm.verify = no_old_container(all, true);
  rm.rollback = fmt::format("cannot be undone: redeploy the old compose files and restore {}/backups",
                            c.options.workdir);
  out.push_back(rm);

  Step prune;
  prune.id = "7.prune-images";
  prune.phase = 7;
  prune.gate_after_phase = 6;
  prune.title = "prune images on " + c.old_server.name;
  prune.what = "Removes the images no container uses any more and reports the space reclaimed.";
  prune.host = c.old_server.name;
  prune.command = "docker image prune --all --force | grep 'Total reclaimed space'";
  prune.rollback = "cannot be undone: images are pulled again on the next deploy";
  out.push_back(prune);
  return out;
}

}  // namespace rehome::runbook
