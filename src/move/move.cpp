#include "move/move.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/sha256.hpp"
#include "common/shell.hpp"
#include "move/context.hpp"
#include "plan/roles.hpp"
#include "runbook/order.hpp"
#include "runbook/reach.hpp"
#include "runbook/runbook.hpp"
#include "runbook/shell.hpp"

namespace rehome::move {

const MoveStep* Move::find(const std::string& id) const {
  for (const auto& s : steps)
    if (s.id == id) return &s;
  return nullptr;
}

const std::vector<std::string>& step_kinds() {
  static const std::vector<std::string> kinds{
      "plan",       "generate", "bootstrap", "registry", "deploy",  "reach",    "copy",  "freeze",
      "final-sync", "verify",   "unreach",   "edge",     "writers", "validate", "drill", "report"};
  return kinds;
}

MoveStep make_step(const std::string& kind, const std::string& name, std::string title, std::string what) {
  const auto& kinds = step_kinds();
  auto pos = std::find(kinds.begin(), kinds.end(), kind) - kinds.begin();
  MoveStep s;
  s.id = fmt::format("{:02}.{}{}{}", pos + 1, kind, name.empty() ? "" : ".", name);
  s.kind = kind;
  s.title = std::move(title);
  s.what = std::move(what);
  return s;
}

MoveStep from_runbook(const runbook::Step& step, const std::string& kind) {
  std::string name = step.id.substr(step.id.find('.') + 1);
  MoveStep s = make_step(kind, name, step.title, step.what);
  s.actions.push_back({step.host, step.command, false});
  if (!step.verify.empty()) s.checks.push_back({step.host, step.verify, false});
  if (step.rollback.rfind("nothing to undo", 0) == 0 || step.rollback.find("  #") != std::string::npos)
    s.rollback_note = step.rollback;
  else
    s.rollback.push_back({step.host, step.rollback, false});
  return s;
}

std::string Context::old_docker() const {
  return options.old_engine.empty() ? "docker" : "docker --host " + shell_word(options.old_engine);
}

runbook::Context Context::as_runbook() const { return {estate, plan, runbook, old_server, first_manager}; }

std::string Context::old_host() const { return options.old_engine.empty() ? old_server.name : ""; }

std::string Context::swarm_service(const std::string& service) const {
  const auto* s = estate.find_service(service);
  return runbook::stack_of(*s) + "_" + service;
}

std::string old_containers(const Context& c, const std::string& service, bool running_only) {
  std::string filters = "--filter label=com.docker.compose.service=" + shell_word(service);
  if (!c.options.compose_project.empty())
    filters += " --filter label=com.docker.compose.project=" + shell_word(c.options.compose_project);
  return fmt::format("{} ps -q{} {}", c.old_docker(), running_only ? "" : "a", filters);
}

Action stop_old(const Context& c, const std::string& service) {
  return {c.old_host(),
          fmt::format("ids=$({}); [ -z \"$ids\" ] || {} stop $ids", old_containers(c, service, true),
                      c.old_docker()),
          false};
}

Action none_running_old(const Context& c, const std::string& service) {
  return {c.old_host(), fmt::format("[ -z \"$({})\" ]", old_containers(c, service, true)), false};
}

Action start_old(const Context& c, const std::string& service) {
  return {c.old_host(),
          fmt::format("ids=$({} --filter status=exited); [ -z \"$ids\" ] || {} start $ids",
                      old_containers(c, service, false), c.old_docker()),
          false};
}

namespace {

// The runbook's phase, except that an application whose only data is a plain volume (the importer's
// engine "files") is phase 5 like the other applications: it writes (to that volume, and to the
// databases it uses), so it is held at 0 on the cluster and frozen on the old host. Phase 3 left it
// running on both sides through the copy, with no freeze.
int writer_phase(const model::Service& s) {
  using C = model::Category;
  if (s.data && s.data->engine == "files" && s.category != C::database && s.category != C::cache) return 5;
  return runbook::service_phase(s);
}

}  // namespace

std::string step_digest(const MoveStep& step) {
  std::string text = step.kind + "\n";
  for (const auto* list : {&step.actions, &step.checks, &step.rollback}) {
    text += "--\n";
    for (const auto& a : *list) text += fmt::format("{}|{}|{}\n", a.host, a.in_process ? 1 : 0, a.command);
  }
  return sha256_hex(text);
}

Move make_move(const model::Estate& estate, const plan::Plan& plan, const MoveOptions& options) {
  for (const auto& a : plan.assignments)
    if (!estate.find_service(a.service) || !estate.find_server(a.server))
      throw UserError(fmt::format("{}: the plan places '{}' on '{}', which the estate '{}' does not have",
                                  plan.where.str(), a.service, a.server, estate.name),
                      "make the plan from this estate (rehome plan), or fix the names");
  const model::Server& old_server = runbook::resolve_old_server(estate, options.old_server);
  Context c{estate, plan, options, old_server, runbook::resolve_first_manager(estate, plan), {}, {},
            {},     {},   {},      {}};
  c.runbook.estate_file = options.estate_file;
  c.runbook.plan_file = options.plan_file.empty() ? options.work_dir + "/plan.yaml" : options.plan_file;
  c.runbook.old_server = old_server.name;
  c.runbook.workdir = options.work_dir;
  c.runbook.targets_file = options.work_dir + "/targets.yaml";
  c.runbook.rehome = options.rehome;
  c.runbook.converge_timeout_seconds = options.converge_timeout_seconds;
  c.runbook.runner_address = options.runner_address.empty() ? old_server.address : options.runner_address;
  c.runbook.copy.jobs = options.jobs;
  c.runbook.old_engine = options.old_engine;
  c.runbook.engines = options.engines;
  c.data = runbook::moved_data(c.as_runbook());

  // Writers: services that use a moved database, or own a moved volume. A service whose data is
  // copied cold (no native mover: influxdb, mongo) is its own writer: held at 0 on the new side, its old
  // instance stopped by the freeze, so the final sync's pass is the cold copy.
  std::set<std::string> databases, volume_owners, cold;
  for (const auto& d : c.data) {
    (d.engine == "volume" ? volume_owners : databases).insert(d.service);
    if (d.method == runbook::DataMethod::cold) cold.insert(d.service);
  }
  for (const auto& s : estate.services) {
    std::string stack = runbook::stack_of(s);
    c.stacks.insert(stack);
    if (plan::is_edge_proxy(s, estate)) c.edge_proxies.push_back(s.name);
    if (cold.count(s.name) && !s.global) {
      c.held[stack].push_back(s.name);
      c.writers.push_back(s.name);
      continue;
    }
    if (writer_phase(s) != 5 || s.global) continue;
    c.held[stack].push_back(s.name);
    if (plan::is_edge_proxy(s, estate)) continue;
    bool writes = volume_owners.count(s.name) > 0;
    for (const auto& d : s.depends_on) writes = writes || databases.count(d) > 0;
    if (writes) c.writers.push_back(s.name);
  }

  Move m;
  m.estate = estate.name;
  m.old_server = old_server.name;
  m.first_manager = c.first_manager.name;
  m.data = c.data;
  m.writers = c.writers;
  using Builder = std::vector<MoveStep> (*)(const Context&);
  const Builder builders[] = {plan_steps,       generate_steps, bootstrap_steps, registry_steps,
                              deploy_steps,     reach_steps,    copy_steps,      freeze_steps,
                              final_sync_steps, verify_steps,   unreach_steps,   edge_steps,
                              writers_steps,    validate_steps, drill_steps,     report_steps};
  for (auto build : builders)
    for (auto& s : build(c)) m.steps.push_back(std::move(s));
  for (const auto& s : m.steps)
    if (s.point_of_no_return) {
      m.point_of_no_return = s.id;
      break;
    }
  return m;
}

}  // namespace rehome::move
