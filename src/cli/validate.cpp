#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "runbook/inputs.hpp"
#include "validate/suite.hpp"

namespace rehome::cli {
namespace {

struct ValidateFlags {
  std::string estate, targets, credentials, evidence;
  std::vector<std::string> only;
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
  auto estate = f.estate.empty() ? model::default_estate() : model::load_estate(f.estate);
  validate::Targets targets;
  if (!f.targets.empty())
    targets = validate::parse_targets(read_file(f.targets), f.targets);
  else
    std::cerr << "rehome: no --targets file: only this machine's resources are probed, the rest is Skipped\n";
  auto env = runbook::load_credentials(f.credentials);
  auto progress = [&](const validate::ProbeResult& r) {
    if (!f.json)
      std::cerr << fmt::format("  {:<8} {}: {}\n", validate::to_string(r.outcome), r.name, r.reason);
  };
  auto suite = validate::run_suite(&estate, targets, env, progress, areas(f.only));
  auto evidence = validate::to_json(suite);
  evidence["estate"] = estate.name;
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
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("--targets", f->targets, "targets file: what to probe for each service (YAML)");
      app.add_option("--credentials", f->credentials, "file of NAME=value lines for ${NAME} in the targets");
      app.add_option("--evidence", f->evidence, "write validation.json into this folder for the report");
      app.add_option("--only", f->only, "probe only these areas (comma list: network,security, ...)")
          ->delimiter(',');
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() { return run(*f); };
    }};

}  // namespace
}  // namespace rehome::cli
