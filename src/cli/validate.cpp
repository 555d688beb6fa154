#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "runbook/inputs.hpp"
#include "validate/discover.hpp"
#include "validate/suite.hpp"

namespace rehome::cli {
namespace {

struct ValidateFlags {
  std::string estate, targets, credentials, evidence, engine, address;
  std::vector<std::string> only, stacks;
  bool json = false;
};

std::set<validate::Area> areas(const std::vector<std::string>& keys) {
  std::set<validate::Area> out;
  for (const auto& k : keys) {
    auto a = validate::parse_area(k);
    if (!a)
      throw UserError(fmt::format("--only {}: not an area", k),
                      "name some of databases, services, monitoring, network, security, resources");
    out.insert(*a);
  }
  return out;
}

int run(const ValidateFlags& f) {
  auto env = runbook::load_credentials(f.credentials);
  auto progress = [&](const validate::ProbeResult& r) {
    if (!f.json)
      std::cerr << fmt::format("  {:<8} {}: {}\n", validate::to_string(r.outcome), r.name, r.reason);
  };
  validate::Suite suite;
  std::string estate_name;
  if (!f.engine.empty()) {
    if (!f.targets.empty())
      throw UserError("--engine and --targets: choose one",
                      "--engine discovers the targets from the cluster; --targets names them by hand");
    std::optional<model::Estate> estate;
    if (!f.estate.empty()) estate = model::load_estate(f.estate);
    validate::DiscoveryOptions o{.engine = f.engine,
                                 .evidence = f.evidence,
                                 .stacks = {f.stacks.begin(), f.stacks.end()},
                                 .address = f.address,
                                 .estate = estate ? &*estate : nullptr,
                                 .credentials = env,
                                 .only = areas(f.only),
                                 .progress = progress};
    suite = validate::validate_deployment(o);
    estate_name = estate ? estate->name : "";
  } else {
    auto estate = f.estate.empty() ? model::default_estate() : model::load_estate(f.estate);
    validate::Targets targets;
    if (!f.targets.empty())
      targets = validate::parse_targets(read_file(f.targets), f.targets);
    else
      std::cerr << "rehome: neither --engine nor --targets: only this machine's resources are probed, the "
                   "rest is Skipped\n";
    suite = validate::run_suite(&estate, targets, env, progress, areas(f.only));
    estate_name = estate.name;
  }
  auto evidence = validate::to_json(suite);
  if (!estate_name.empty()) evidence["estate"] = estate_name;
  if (!f.evidence.empty())
    write_file_atomically(std::filesystem::path(f.evidence) / "validation.json", evidence.dump(2) + "\n");
  if (f.json)
    std::cout << evidence.dump(2) << "\n";
  else
    std::cout << "\n" << validate::render_table(suite);
  return suite.ok() ? exit_code::ok : exit_code::findings;
}

Register r{
    "validate", "probe the moved estate (databases, services, monitoring, network, security, resources)",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<ValidateFlags>();
      app.add_option("estate", f->estate,
                     "estate.yaml (default: the built-in wizardsofts example; with --engine: none)");
      app.add_option("--targets", f->targets, "targets file: what to probe for each service (YAML)");
      app.add_option("--engine", f->engine,
                     "discover the targets from this Swarm manager (unix:///run/docker.sock): its stacks' "
                     "tasks, health checks, published ports, and the databases in --evidence");
      app.add_option("--stack", f->stacks, "with --engine: only these stacks (default: every stack)")
          ->delimiter(',');
      app.add_option("--address", f->address,
                     "with --engine: probe published ports at this address (default: the manager's)");
      app.add_option("--credentials", f->credentials,
                     "file of NAME=value lines for ${NAME} in the targets (moved databases: <DB>_PASSWORD)");
      app.add_option("--evidence", f->evidence,
                     "evidence folder: migrate-*.json are read (with --engine), validation.json is written");
      app.add_option("--only", f->only, "probe only these areas (comma list: network,security, ...)")
          ->delimiter(',');
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() { return run(*f); };
    }};

}  // namespace
}  // namespace rehome::cli
