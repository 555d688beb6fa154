#include "runbook/volumes.hpp"

#include <fmt/format.h>

#include "runbook/old_containers.hpp"
#include "runbook/order.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {

std::string swarm_name(const Context& c, const std::string& service) {
  return stack_of(*c.estate.find_service(service)) + "_" + service;
}

std::string scale(const std::string& swarm_service, int replicas) {
  return fmt::format("docker service scale --detach=false {}={}", swarm_service, replicas);
}

Step stop_old(const Context& c, const DataItem& d, int phase) {
  Step s = make_step(
      phase, "stop-old." + d.service, "stop " + d.service + " on " + c.old_server.name,
      fmt::format("Stops {} ({}) on the old server before its data is copied: {}. It stays stopped, "
                  "its data now lives on {}; the rollback starts it again.",
                  d.service, d.source_engine, d.note, d.to_server),
      c.old_server.name);
  s.command = for_each_old_container({d.service}, "stop");
  s.verify = no_old_container({d.service});
  s.rollback = for_each_old_container({d.service}, "start");
  return s;
}

Step hold_new(const Context& c, const DataItem& d, int phase) {
  std::string sw = swarm_name(c, d.service);
  Step s =
      make_step(phase, "hold-new." + d.service, "hold " + sw + " at 0",
                fmt::format("Scales the new {} to 0 replicas, so nothing has its volume open on {} while the "
                            "copy writes it.",
                            sw, d.to_server),
                c.first_manager.name);
  s.command = scale(sw, 0);
  s.verify = fmt::format(
      "[ \"$(docker service inspect {0} --format '{{{{.Spec.Mode.Replicated.Replicas}}}}')\" = 0 ] && [ -z "
      "\"$(docker service ps {0} --filter desired-state=running -q)\" ]",
      sw);
  s.rollback = scale(sw, c.estate.find_service(d.service)->replicas);
  return s;
}

Step start_new(const Context& c, const DataItem& d, int phase) {
  const auto& service = *c.estate.find_service(d.service);
  std::string sw = swarm_name(c, d.service);
  Step s =
      make_step(phase, "start-new." + d.service, "start " + sw + " on its copied data",
                fmt::format("Starts the new {} again ({} replica{}) on the data copied and proven above, and "
                            "waits until its stack has converged.",
                            sw, service.replicas, service.replicas == 1 ? "" : "s"),
                c.first_manager.name);
  s.command = scale(sw, service.replicas);
  s.verify = stack_converged(stack_of(service), c.options.converge_timeout_seconds);
  s.rollback = scale(sw, 0);
  return s;
}

Step copy(const Context& c, const DataItem& d, int phase) {
  const bool cold = d.method == DataMethod::cold;
  const auto& o = c.options;
  Step s =
      make_step(phase, "migrate." + d.slug(), (cold ? "cold copy " : "copy ") + d.slug(),
                fmt::format("Copies {} {} of {} from the old server's Docker engine to {}'s with `rehome "
                            "migrate volume` (owners, modes, links, sparse files, xattrs and mtimes kept; "
                            "resumable), and compares the per-file sha256 manifests of both sides.",
                            d.bind() ? "bind folder" : "volume", d.database, d.service, d.to_server),
                "");
  if (cold)
    s.what += " A cold copy: " + d.note + ", so the copy is consistent.";
  else
    s.what +=
        " The service still runs on the old server: the copy is a first pass, consistent once its writers "
        "stop (the mover says which containers had it open); running it again is the incremental pass.";
  std::string words = volume_mover_words(d) + copy_flags(d, o.copy);
  std::string state = fmt::format("{}/migrate/{}.state.json", o.workdir, d.slug());
  std::string evidence = fmt::format("{}/evidence/migrate-{}.json", o.workdir, d.slug());
  s.command = fmt::format(
      "mkdir -p {0}/evidence {0}/migrate && {1} migrate volume {2} --state {3} --json > {4}.part && mv "
      "{4}.part {4}",
      o.workdir, o.rehome, words, state, evidence);
  // The proof again, independent of the caches: every file read on both sides (--rehash) and the
  // manifests compared; a cold copy has nothing left to send.
  std::string check = fmt::format("{}/evidence/verify-{}.json", o.workdir, d.slug());
  s.verify =
      fmt::format("{0} migrate volume {1} --rehash --state {2} --json > {3}", o.rehome, words, state, check);
  if (cold) s.verify += fmt::format(" && grep -q '\"changed_files\": 0,' {}", check);
  s.rollback =
      "nothing to undo on the old side (the mover mounts it read-only); the next pass replaces the copy";
  return s;
}

}  // namespace

std::vector<Step> volume_steps(const Context& c, const std::vector<DataItem>& items, int phase) {
  std::vector<Step> out;
  for (size_t i = 0; i < items.size();) {
    size_t j = i;
    while (j < items.size() && items[j].service == items[i].service) ++j;
    const DataItem& first = items[i];
    const bool cold = first.method == DataMethod::cold;
    if (cold) {
      out.push_back(stop_old(c, first, phase));
      out.push_back(hold_new(c, first, phase));
    }
    for (size_t k = i; k < j; ++k)
      if (items[k].method == DataMethod::volume || items[k].method == DataMethod::cold)
        out.push_back(copy(c, items[k], phase));
    if (cold) out.push_back(start_new(c, first, phase));
    i = j;
  }
  return out;
}

}  // namespace rehome::runbook
