// `rehome migrate run`: carries out the runbook. The `migrate` subcommand belongs to migrate.cpp;
// this file adds `run` to it through migrate_subcommands().
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/shared.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "runbook/executor.hpp"
#include "runbook/inputs.hpp"
#include "runbook/runbook.hpp"

namespace rehome::cli {

namespace {

struct RunFlags {
  runbook::RunbookArgs args;
  bool execute = false;
  bool dry_run = false;
  bool force = false;
  std::string state, credentials, evidence, transport = "local";
  int from_phase = 0, to_phase = 7;
  std::vector<int> skip_phases;
  std::vector<std::string> ssh_destinations;
  std::vector<std::string> netns;
};

// SERVER=VALUE pairs of a repeatable flag, each naming a server of the estate.
std::map<std::string, std::string> per_server(const std::vector<std::string>& pairs, const std::string& flag,
                                              const model::Estate& estate, const std::string& example) {
  std::map<std::string, std::string> out;
  for (const auto& d : pairs) {
    auto eq = d.find('=');
    if (eq == std::string::npos || eq + 1 == d.size() || !estate.find_server(d.substr(0, eq)))
      throw UserError(fmt::format("{} {}: expected SERVER=VALUE with a server of the estate", flag, d),
                      "e.g. " + flag + " " + example);
    out[d.substr(0, eq)] = d.substr(eq + 1);
  }
  return out;
}

std::map<std::string, std::string> destinations(const RunFlags& f, const model::Estate& estate) {
  std::map<std::string, std::string> out;
  for (const auto& s : estate.servers) out[s.name] = s.address.empty() ? s.name : s.address;
  for (const auto& [server, dest] :
       per_server(f.ssh_destinations, "--ssh", estate, "hppavilion=admin@10.0.0.80"))
    out[server] = dest;
  return out;
}

int run(const RunFlags& f) {
  auto in = runbook::load_inputs(f.args.estate, f.args.plan, f.args.workdir, std::cerr);
  auto rb = runbook::make_runbook(in.estate, in.plan, runbook::runbook_options(f.args, in));
  runbook::RunOptions o;
  o.execute = f.execute && !f.dry_run;
  o.from_phase = f.from_phase;
  o.to_phase = f.to_phase;
  o.skip_phases = {f.skip_phases.begin(), f.skip_phases.end()};
  o.force = f.force;
  o.state_file = f.state.empty() ? f.args.workdir + "/state.json" : f.state;
  o.evidence_dir = f.evidence.empty() ? f.args.workdir + "/evidence" : f.evidence;
  o.env = runbook::load_credentials(f.credentials);
  if (!o.execute) {
    runbook::print_plan(rb, o, runbook::load_state(o.state_file), std::cout);
    return exit_code::ok;
  }
  std::unique_ptr<runbook::Transport> transport;
  if (f.transport == "ssh" && !f.netns.empty())
    throw UserError("--netns goes with the local transport", "drop --transport ssh, or drop --netns");
  if (f.transport == "ssh")
    transport = std::make_unique<runbook::SshTransport>(destinations(f, in.estate));
  else
    transport = std::make_unique<runbook::LocalTransport>(
        per_server(f.netns, "--netns", in.estate, "gmktec=rh-test"));
  std::cout.setf(std::ios::unitbuf);  // progress reaches a log file line by line, even if killed
  std::cout << fmt::format("Running phases {}..{} of estate {} through the {} transport; state: {}\n",
                           o.from_phase, o.to_phase, rb.estate, transport->name(), o.state_file.string());
  return runbook::run_runbook(rb, *transport, o, std::cout).exit_code;
}

Runner setup_run(CLI::App& app_ref) {
  CLI::App* app = &app_ref;
  auto f = std::make_shared<RunFlags>();
  add_runbook_arguments(*app, f->args);
  app->add_flag("--dry-run", f->dry_run, "print every command, run nothing (the default)");
  app->add_flag("--execute", f->execute, "run the commands, recording progress in the state file");
  app->add_option("--state", f->state, "progress file (default <workdir>/state.json); a second run resumes");
  app->add_option("--transport", f->transport, "local (this machine) or ssh (ssh SERVER -- sh -s)")
      ->check(CLI::IsMember({"local", "ssh"}));
  app->add_option("--ssh", f->ssh_destinations, "SERVER=DESTINATION for ssh (default: the server's address)");
  app->add_option("--netns", f->netns,
                  "SERVER=NAME: with the local transport, run that server's steps inside network namespace "
                  "NAME (nsenter --net=/var/run/netns/NAME), e.g. one a test made");
  app->add_option("--credentials", f->credentials,
                  "file of NAME=value lines (passwords) given to the commands");
  app->add_option("--evidence", f->evidence, "where phases.json goes (default <workdir>/evidence)");
  app->add_option("--from-phase", f->from_phase, "first phase to run (0-7)")->check(CLI::Range(0, 7));
  app->add_option("--to-phase", f->to_phase, "last phase to run (0-7)")->check(CLI::Range(0, 7));
  app->add_option("--skip-phase", f->skip_phases, "phase to record as skipped (repeatable)")
      ->check(CLI::Range(0, 7));
  app->add_flag("--force", f->force, "clean up before the verification window is over");
  return [f]() { return run(*f); };
}

[[maybe_unused]] const bool registered = [] {
  migrate_subcommands().push_back(
      {"run", "carry out the runbook: dry run by default, --execute to run it, resumable", setup_run});
  return true;
}();

}  // namespace
}  // namespace rehome::cli
