#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/shared.hpp"
#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "runbook/inputs.hpp"
#include "runbook/render.hpp"
#include "runbook/runbook.hpp"

namespace rehome::cli {

// Shared with migrate_run.cpp: the options that shape the runbook.
void add_runbook_arguments(CLI::App& app, runbook::RunbookArgs& a) {
  app.add_option("estate", a.estate, "estate.yaml (default: the built-in wizardsofts example)");
  app.add_option("plan", a.plan, "plan.yaml (default: the planner's plan, saved to <workdir>/plan.yaml)");
  app.add_option("--workdir", a.workdir,
                 "folder for generated files, backups and evidence (default rehome-work)");
  app.add_option("--old-server", a.old_server,
                 "the server everything runs on today (default: the first server)");
  app.add_option("--window", a.window, "verification window before cleanup (default 72h)");
  app.add_option("--targets", a.targets,
                 "targets file for the validation phase (default <workdir>/targets.yaml)");
  app.add_option("--rehome", a.rehome, "how the runbook calls rehome itself (default: rehome on PATH)");
  app.add_option("--firewall", a.firewall,
                 "phase 1: ufw (the generated firewall/<server>.sh, default) or iptables (the same "
                 "openings in one iptables chain, nothing under /etc)")
      ->check(CLI::IsMember({"ufw", "iptables"}));
  app.add_option("--runner-address", a.runner_address,
                 "the address of the machine running rehome, the only source let in to the new databases "
                 "during the copy (default: the old server's)");
  app.add_option("--jobs,-j", a.copy.jobs, "parallel connections per database mover (postgres, mariadb)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--verify", a.copy.verify,
                 "the movers' proof: stream, readback, server or none in postgres's words (mariadb: none or "
                 "its checksums; volumes: readback re-reads every file); default: each mover's own")
      ->check(CLI::IsMember({"stream", "readback", "server", "none"}));
  app.add_option("--old-engine", a.old_engine,
                 "the old server's Docker host for the volume mover (default: ${<SERVER>_DOCKER_HOST}, else "
                 "the local socket)");
  app.add_option("--engine", a.engines,
                 "SERVER=DOCKER_HOST of a new server for the volume mover (repeatable; default: "
                 "${<SERVER>_DOCKER_HOST} from the credentials file)");
}

namespace {

struct RunbookFlags {
  runbook::RunbookArgs args;
  std::string output;
  bool json = false;
};

Register r{
    "runbook", "write the migration runbook: phases 0-7, each step with command, verification, rollback",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<RunbookFlags>();
      add_runbook_arguments(app, f->args);
      app.add_flag("--json", f->json, "print JSON for programs");
      app.add_option("-o,--output", f->output, "write the runbook to this file instead of printing it");
      return [f]() {
        auto in = runbook::load_inputs(f->args.estate, f->args.plan, f->args.workdir, std::cerr);
        auto rb = runbook::make_runbook(in.estate, in.plan, runbook::runbook_options(f->args, in));
        std::string text = f->json ? runbook::to_json(rb).dump(2) + "\n" : runbook::to_markdown(rb);
        if (f->output.empty()) {
          std::cout << text;
          return exit_code::ok;
        }
        write_file_atomically(f->output, text);
        std::cerr << fmt::format("rehome: runbook of {} steps in 8 phases written to {}\n", rb.steps().size(),
                                 f->output);
        return exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
