// rehome drill: deploy the estate's services to a real Swarm, stop one engine, and measure the time
// until every service is back beside the failover prediction. Thin: flags in, run_drill, table out.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/recovery_flags.hpp"
#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "resilience/drill.hpp"
#include "resilience/model_overrides.hpp"

namespace rehome::cli {
namespace {

struct DrillFlags {
  std::string estate;
  std::vector<std::string> engines, fail;
  std::string stop_command, image, prefix = "drill", timeout = "120s", quorum_window = "15s";
  std::string stack, stack_file, evidence;
  std::map<std::string, std::string> recovery;  // the recovery model's flags
  bool keep = false, json = false;
};

std::map<std::string, std::string> engine_map(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (const auto& f : flags) {
    auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == f.size())
      throw UserError(fmt::format("--engine {}: expected SERVER=DOCKER_HOST", f),
                      "e.g. --engine hpr=unix:///run/docker.sock or --engine hpr=ssh://admin@hpr");
    out[f.substr(0, eq)] = f.substr(eq + 1);
  }
  return out;
}

model::Millis duration(const std::string& flag, const std::string& text) {
  auto ms = model::parse_duration(text);
  if (!ms || *ms <= 0)
    throw UserError(fmt::format("{} {}: not a duration", flag, text), "write it like 90s or 2m");
  return *ms;
}

Register r{
    "drill", "deploy to a real Swarm, stop an engine, and measure recovery beside the failover prediction",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<DrillFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("--engine", f->engines, "SERVER=DOCKER_HOST for every node (repeatable)")->required();
      app.add_option("--fail", f->fail, "the server(s) whose engine is stopped")->required()->delimiter(',');
      app.add_option("--stop-command", f->stop_command,
                     "shell command that stops a server's engine; {server} and {host} are substituted")
          ->required();
      app.add_option("--image", f->image, "run every service from this image (e.g. a small probe)");
      app.add_option("--prefix", f->prefix, "service name prefix (default drill)");
      app.add_option("--stack", f->stack,
                     "drill this stack (services <stack>_<service>) instead of creating services");
      app.add_option("--stack-file", f->stack_file,
                     "with --stack: deploy this generated stack file first (generate's stacks/<name>.yml)");
      app.add_option("--evidence", f->evidence,
                     "write drill-<servers>.json (kind rehome.drill) into this folder");
      app.add_option("--timeout", f->timeout, "how long to wait for services (default 120s)");
      app.add_option("--quorum-window", f->quorum_window, "without quorum: how long to watch (default 15s)");
      add_recovery_flags(app, f->recovery);
      app.add_flag("--keep", f->keep, "leave the drill's services deployed");
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = f->estate.empty() ? model::default_estate() : model::load_estate(f->estate);
        resilience::DrillOptions o;
        o.engines = engine_map(f->engines);
        o.fail = f->fail;
        o.stop_command = f->stop_command;
        o.image = f->image;
        o.prefix = f->prefix;
        o.stack = f->stack;
        o.stack_file = f->stack_file;
        if (!o.stack_file.empty() && o.stack.empty())
          throw UserError("--stack-file without --stack", "name the stack: --stack shop");
        o.keep = f->keep;
        o.timeout = duration("--timeout", f->timeout);
        o.quorum_window = duration("--quorum-window", f->quorum_window);
        o.model = resilience::apply_overrides({}, f->recovery);
        o.progress = [](const std::string& what) { std::cerr << "drill: " << what << "\n"; };
        auto result = resilience::run_drill(estate, o);
        auto evidence = resilience::to_json(result);
        if (!f->evidence.empty()) {
          std::string servers;
          for (const auto& s : o.fail) servers += (servers.empty() ? "" : "-") + s;
          write_file_atomically(std::filesystem::path(f->evidence) / ("drill-" + servers + ".json"),
                                evidence.dump(2) + "\n");
        }
        if (f->json)
          std::cout << evidence.dump(2) << "\n";
        else
          std::cout << resilience::render_drill(result);
        return result.misses() == 0 ? exit_code::ok : exit_code::findings;
      };
    }};

}  // namespace
}  // namespace rehome::cli
