#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/render.hpp"
#include "plan/solver.hpp"

namespace rehome::cli {
namespace {

double parse_headroom(const std::string& text) {
  if (auto share = plan::parse_share(text)) return *share;
  throw UserError(fmt::format("--headroom {}: not a share between 0% and 90%", text),
                  "write it like 10% or 0.1", exit_code::bad_input);
}

struct PlanFlags {
  std::string estate;
  std::string headroom;
  std::string output;
  std::string strategy = "balance";
  bool json = false;
};

Register r{
    "plan", "place every replica on a server and explain the soft rules met or missed",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<PlanFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("--headroom", f->headroom, "share of memory and CPU kept free per server (default 10%)");
      app.add_option("-o,--output", f->output, "write the plan to this plan.yaml");
      app.add_option("--strategy", f->strategy, "balance (spread load) or pack (fewest servers)")
          ->check(CLI::IsMember({"balance", "pack"}));
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = f->estate.empty() ? model::default_estate() : model::load_estate(f->estate);
        plan::PlanOptions options;
        if (!f->headroom.empty()) options.headroom = parse_headroom(f->headroom);
        options.strategy = f->strategy == "pack" ? plan::Strategy::pack : plan::Strategy::balance;
        auto result = plan::solve(estate, options);
        if (!result.plan) {
          if (f->json) {
            const auto& why = *result.failure;
            std::cout << nlohmann::json{{"feasible", false},
                                        {"service", why.service},
                                        {"closest_server", why.closest_server},
                                        {"needed_memory_bytes", why.needed_memory},
                                        {"free_memory_bytes", why.free_memory},
                                        {"short_by_bytes", why.short_by},
                                        {"message", why.message}}
                             .dump(2)
                      << "\n";
            return exit_code::findings;
          }
          throw plan::InfeasibleError(*result.failure);
        }
        if (!f->output.empty()) plan::save_plan(f->output, *result.plan, estate);
        if (f->json) {
          auto j = plan::plan_to_json(*result.plan, estate);
          j["feasible"] = true;
          std::cout << j.dump(2) << "\n";
        } else {
          std::cout << plan::render_plan(*result.plan, estate);
          if (!f->output.empty()) std::cout << "\nPlan written to " << f->output << "\n";
        }
        return exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
