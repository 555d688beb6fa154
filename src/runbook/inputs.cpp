#include "runbook/inputs.hpp"

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"

namespace rehome::runbook {

Inputs load_inputs(const std::string& estate_arg, const std::string& plan_arg, const std::string& workdir,
                   std::ostream& note) {
  Inputs in;
  in.estate_file = estate_arg.empty() ? model::default_estate_path().string() : estate_arg;
  in.estate = model::load_estate(in.estate_file);
  if (!plan_arg.empty()) {
    in.plan_file = plan_arg;
    in.plan = plan::load_plan(plan_arg, in.estate);
    return in;
  }
  in.plan = plan::make_plan(in.estate);
  in.plan_file = workdir + "/plan.yaml";
  plan::save_plan(in.plan_file, in.plan, in.estate);
  note << fmt::format(
      "rehome: no plan given: the planner's plan is saved to {} (review it, or pass your own)\n",
      in.plan_file);
  return in;
}

RunbookOptions runbook_options(const RunbookArgs& a, const Inputs& in) {
  RunbookOptions o;
  o.estate_file = in.estate_file;
  o.plan_file = in.plan_file;
  o.old_server = a.old_server;
  o.workdir = a.workdir;
  o.targets_file = a.targets;
  o.rehome = a.rehome;
  o.firewall = a.firewall;
  o.runner_address = a.runner_address;
  o.copy = a.copy;
  o.old_engine = a.old_engine;
  for (const auto& e : a.engines) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq + 1 == e.size() || !in.estate.find_server(e.substr(0, eq)))
      throw UserError(fmt::format("--engine {}: expected SERVER=DOCKER_HOST with a server of estate '{}'", e,
                                  in.estate.name),
                      "e.g. --engine gmktec=unix:///run/rehome/gmktec.sock (an ssh -L forwarded socket)");
    o.engines[e.substr(0, eq)] = e.substr(eq + 1);
  }
  auto window = model::parse_duration(a.window);
  if (!window || *window < 0)
    throw UserError(fmt::format("--window {}: not a duration", a.window), "write e.g. 72h, 24h or 30m");
  o.verification_window = *window;
  return o;
}

Env load_credentials(const std::string& path) {
  if (path.empty()) return {};
  return parse_credentials(read_file(path), path);
}

}  // namespace rehome::runbook
