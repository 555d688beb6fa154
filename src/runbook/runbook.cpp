#include "runbook/runbook.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "plan/roles.hpp"
#include "runbook/data_plan.hpp"
#include "runbook/phases.hpp"

namespace rehome::runbook {

const std::vector<std::string>& phase_names() {
  static const std::vector<std::string> names{"Prechecks",  "Security", "Swarm bootstrap", "Databases",
                                              "Monitoring", "Services", "Validation",      "Cleanup"};
  return names;
}

const Step* Runbook::find_step(const std::string& id) const {
  for (const auto& p : phases)
    for (const auto& s : p.steps)
      if (s.id == id) return &s;
  return nullptr;
}

std::vector<const Step*> Runbook::steps() const {
  std::vector<const Step*> out;
  for (const auto& p : phases)
    for (const auto& s : p.steps) out.push_back(&s);
  return out;
}

namespace {

void check_plan(const model::Estate& e, const plan::Plan& p) {
  for (const auto& a : p.assignments) {
    if (!e.find_service(a.service))
      throw UserError(fmt::format("{}: the plan places '{}', which is not a service of estate '{}'",
                                  p.where.str(), a.service, e.name),
                      "make the plan from this estate (rehome plan), or fix the service name");
    if (!e.find_server(a.server))
      throw UserError(fmt::format("{}: the plan places '{}' on '{}', which is not a server of estate '{}'",
                                  p.where.str(), a.service, a.server, e.name),
                      "use a server name from the estate's servers list");
  }
  const auto roles = plan::roles_of(p, e);
  for (const auto* list : {&roles.managers, &roles.edge})
    for (const auto& r : *list)
      if (!e.find_server(r.server))
        throw UserError(fmt::format("{}: the plan gives a role to '{}', which is not a server of estate '{}'",
                                    p.where.str(), r.server, e.name),
                        "use a server name from the estate's servers list");
}

}  // namespace

const model::Server& resolve_old_server(const model::Estate& e, const std::string& name) {
  if (e.servers.empty())
    throw UserError(
        fmt::format("{}: the estate has no servers", e.source_file.empty() ? "estate" : e.source_file),
        "list the servers of the cluster under `servers:`");
  if (name.empty()) return e.servers.front();
  if (const auto* s = e.find_server(name)) return *s;
  throw UserError(fmt::format("--old-server '{}' is not a server of estate '{}'", name, e.name),
                  "name the host the containers run on today, as listed under `servers:`");
}

const model::Server& resolve_first_manager(const model::Estate& e, const plan::Plan& p) {
  const auto roles = plan::roles_of(p, e);
  if (!roles.managers.empty())
    if (const auto* s = e.find_server(roles.managers.front().server)) return *s;
  return e.servers.front();  // no servers: resolve_old_server has refused already
}

Runbook make_runbook(const model::Estate& estate, const plan::Plan& plan, const RunbookOptions& options) {
  check_plan(estate, plan);
  RunbookOptions o = options;
  if (o.targets_file.empty()) o.targets_file = o.workdir + "/targets.yaml";
  const model::Server& old_server = resolve_old_server(estate, o.old_server);
  Context c{estate, plan, o, old_server, resolve_first_manager(estate, plan)};

  Runbook rb;
  rb.estate = estate.name;
  rb.old_server = old_server.name;
  rb.verification_window = o.verification_window;
  rb.credential_variables = credential_variables(estate);
  using Builder = std::vector<Step> (*)(const Context&);
  const Builder builders[] = {prechecks,  security, swarm_bootstrap, databases,
                              monitoring, services, validation,      cleanup};
  static const char* purposes[] = {
      "Prove the move can start: tools present, servers reachable, disk room, credentials valid, a hashed "
      "backup.",
      "Close every port the cluster does not need, before anything new listens.",
      "Join the servers into one Swarm, label them for placement, create the overlay networks.",
      "Deploy the new databases, then per database: a fresh backup, the copy, and a content comparison; then "
      "the volumes, and the cold copies of the engines without a native mover (their service stopped).",
      "Move monitoring first among the services, so it watches the rest of the move.",
      "Deploy the stacks in dependency order (service discovery first), each waited on until converged.",
      "Probe the new estate: databases, services, monitoring, network, security, resources.",
      "After the verification window: stop and remove the old containers, prune images, report the space."};
  for (int n = 0; n < 8; ++n) rb.phases.push_back({n, phase_names()[n], purposes[n], builders[n](c)});
  return rb;
}

}  // namespace rehome::runbook
