// `rehome move`: the whole move as one command. Dry run by default (every step and command in order),
// --execute to act (resumable: the journal in --work-dir), --rollback to undo up to the point of no
// return. The steps live in src/move/; this file parses flags and calls them.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "move/executor.hpp"
#include "move/final_sync.hpp"
#include "move/move.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"
#include "runbook/inputs.hpp"
#include "runbook/transport.hpp"

namespace rehome::cli {
namespace {

struct MoveFlags {
  move::MoveOptions o;
  std::string estate, plan, credentials;
  bool execute = false, rollback = false, yes = false, json = false, no_drill = false, probe = false;
  std::vector<std::string> engines, netns;
};

std::map<std::string, std::string> pairs(const std::vector<std::string>& items, const std::string& flag,
                                         const model::Estate& estate) {
  std::map<std::string, std::string> out;
  for (const auto& d : items) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq + 1 == d.size() || !estate.find_server(d.substr(0, eq)))
      throw UserError(fmt::format("{} {}: expected SERVER=VALUE with a server of the estate", flag, d),
                      "e.g. " + flag + " node1=unix:///run/node1/docker.sock");
    out[d.substr(0, eq)] = d.substr(eq + 1);
  }
  return out;
}

int run(MoveFlags& f) {
  if (f.execute && f.rollback) throw UserError("--execute and --rollback together", "pass one of them");
  f.o.estate_file = f.estate.empty() ? model::default_estate_path().string() : f.estate;
  auto estate = model::load_estate(f.o.estate_file);
  f.o.plan_file = f.plan;
  auto plan = f.plan.empty() ? plan::make_plan(estate) : plan::load_plan(f.plan, estate);
  f.o.engines = pairs(f.engines, "--engine", estate);
  f.o.drill = !f.no_drill;
  f.o.credentials_file = f.credentials;
  auto m = move::make_move(estate, plan, f.o);
  if (f.probe) {  // the old databases say how each final sync runs (wal_level, binlog)
    move::probe_sources(f.o, m.data, runbook::load_credentials(f.credentials));
    m = move::make_move(estate, plan, f.o);
  }
  move::ExecuteOptions x;
  x.work_dir = f.o.work_dir;
  if (!f.execute && !f.rollback) {
    auto journal = move::load_journal(x.journal_file());
    std::cout << (f.json ? move::to_json(m, journal).dump(2) + "\n" : move::render_plan(m, journal));
    return exit_code::ok;
  }
  x.yes = f.yes;
  x.env = runbook::load_credentials(f.credentials);
  x.docker_hosts = f.o.engines;
  x.confirm = [](const std::string&) {
    std::cout << "Type yes to go on: " << std::flush;
    std::string answer;
    return static_cast<bool>(std::getline(std::cin, answer)) && answer == "yes";
  };
  runbook::LocalTransport transport(pairs(f.netns, "--netns", estate));
  std::cout.setf(std::ios::unitbuf);  // progress reaches a log line by line, even if killed
  if (f.rollback) return move::rollback_move(m, transport, x, std::cout);
  move::LibraryMovers movers(f.o, x.env);
  std::cout << fmt::format("Moving estate {} ({} steps); journal {}\n", m.estate, m.steps.size(),
                           x.journal_file().string());
  return move::execute_move(m, transport, movers, x, std::cout);
}

Register r{
    "move",
    "the whole move: plan, generate, bootstrap, deploy, copy, cutover with a measured write freeze, "
    "validate, drill, report (dry run by default)",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<MoveFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("--plan", f->plan,
                     "a reviewed plan.yaml (default: the planner's, saved to the work folder)");
      app.add_option("--work-dir", f->o.work_dir,
                     "folder of the journal, generated files, state and evidence (default ./rehome-move)");
      app.add_flag("--execute", f->execute, "act (default: print every step and command, run nothing)");
      app.add_flag("--rollback", f->rollback,
                   "undo the steps done, newest first, up to the point of no return");
      app.add_flag("--yes", f->yes, "pass the point of no return without asking");
      app.add_flag("--json", f->json, "print the dry run as JSON for programs");
      app.add_option("--old-server", f->o.old_server,
                     "the server everything runs on today (default: the first)");
      app.add_option(
          "--old-engine", f->o.old_engine,
          "the old server's Docker host (e.g. unix:///run/old/docker.sock); default: run `docker` on it");
      app.add_option("--compose-project", f->o.compose_project,
                     "the old host's compose project (default: any)");
      app.add_option("--runner-address", f->o.runner_address,
                     "the address the new databases let in during the copy (default: the old server's)");
      app.add_option("--engine", f->engines,
                     "SERVER=DOCKER_HOST of a new server, for volumes and the drill (repeatable)");
      app.add_option("--netns", f->netns,
                     "SERVER=NAME: run that server's commands in network namespace NAME");
      app.add_option("--credentials", f->credentials,
                     "file of NAME=value lines (passwords) given to the commands");
      app.add_option("--jobs", f->o.jobs, "parallel connections per database mover (default 4)")
          ->check(CLI::Range(1, 64));
      app.add_option("--rehome", f->o.rehome, "how commands call rehome itself (default: rehome on PATH)");
      app.add_option("--converge-timeout", f->o.converge_timeout_seconds,
                     "seconds a stack may take to converge (default 300)");
      app.add_flag("--no-drill", f->no_drill, "leave out the drill step");
      app.add_flag(
          "--probe", f->probe,
          "ask the old PostgreSQL and MariaDB servers (wal_level, binary log) so the dry run says "
          "whether each final sync follows or is a whole pass, and why (default: decided at the copy)");
      app.add_option("--drill-stop-command", f->o.drill_stop_command,
                     "how the drill stops a server's engine ({server}, {host} substituted; default: "
                     "ssh {host} sudo systemctl stop docker.socket docker)");
      app.add_option(
          "--drill-flags", f->o.drill_flags,
          "more `rehome drill` flags, verbatim (e.g. \"--dispatcher-heartbeat 2s --timeout 60s\")");
      return [f]() { return run(*f); };
    }};

}  // namespace
}  // namespace rehome::cli
