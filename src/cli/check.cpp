#include <iostream>
#include <memory>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/check.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/render.hpp"

namespace rehome::cli {
namespace {

struct CheckFlags {
  std::string estate;
  std::string proposal;
  bool json = false;
};

Register r{
    "check", "check a person's placement (proposal.yaml) against the planner's rules",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<CheckFlags>();
      app.add_option("estate", f->estate, "estate.yaml")->required();
      app.add_option("proposal", f->proposal, "proposal.yaml: servers: {server: [service, ...]}")->required();
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = model::load_estate(f->estate);
        const auto proposal = plan::load_plan(f->proposal, estate);
        const auto report = plan::check_proposal(estate, proposal);
        if (f->json)
          std::cout << plan::check_to_json(report, estate).dump(2) << "\n";
        else
          std::cout << plan::render_check(report, estate);
        return report.hard_rule_broken() ? exit_code::findings : exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
