// rehome failover: what happens when each server (or pair, or network split) fails. Thin: flags in,
// resilience::analyse_failover, text or JSON out. Findings are output, not failure: exit 0.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/recovery_flags.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"
#include "resilience/failover.hpp"
#include "resilience/model_overrides.hpp"

namespace rehome::cli {
namespace {

struct FailoverFlags {
  std::string estate, plan;
  int depth = 1;
  std::vector<std::string> partitions;
  std::vector<std::string> fail;
  std::string headroom = "0";
  bool json = false, brief = false;
  std::map<std::string, std::string> recovery;  // the recovery model's flags
};

double share_flag(const std::string& flag, const std::string& text) {
  if (auto share = plan::parse_share(text)) return *share;
  throw UserError(fmt::format("{} {}: not a share between 0% and 90%", flag, text),
                  "write it like 0, 5% or 0.1");
}

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      auto pos = item.find(',', start);
      auto part = item.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      if (!part.empty()) out.push_back(part);
      if (pos == std::string::npos) break;
      start = pos + 1;
    }
  }
  return out;
}

Register r{
    "failover", "what every server failure, manager loss and network split does to the services",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<FailoverFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("plan", f->plan, "plan.yaml (default: make one with the planner)");
      app.add_option("--depth", f->depth, "1: every single server failure; 2: every pair as well")
          ->check(CLI::Range(1, 2));
      app.add_option("--fail", f->fail, "analyse only the failure of these servers together (a,b)");
      app.add_option("--partition,--partitions", f->partitions,
                     "network split 'a,b|c,d' (quote it), or 'all' for every 2-way split; repeatable");
      app.add_option("--headroom", f->headroom,
                     "share of memory/CPU rescheduling must leave free (default 0: Swarm fills nodes up to "
                     "their reservations; the plan's headroom is the reserve failover spends)");
      add_recovery_flags(app, f->recovery);
      app.add_flag("--brief", f->brief, "summary table and recommendations only");
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = f->estate.empty() ? model::default_estate() : model::load_estate(f->estate);
        const auto plan = f->plan.empty() ? plan::make_plan(estate) : plan::load_plan(f->plan, estate);
        const auto model = resilience::apply_overrides({}, f->recovery);
        resilience::Cluster cluster(estate, plan, share_flag("--headroom", f->headroom));

        std::vector<resilience::Scenario> failures, partitions;
        if (!f->fail.empty())
          failures.push_back(resilience::failure_of(estate, split_commas(f->fail)));
        else
          failures = resilience::failure_scenarios(estate, f->depth);
        for (const auto& spec : f->partitions) {
          if (spec == "all") {
            auto all = resilience::all_partitions(estate);
            partitions.insert(partitions.end(), all.begin(), all.end());
          } else {
            partitions.push_back(resilience::parse_partition(estate, spec));
          }
        }
        auto analysis = resilience::analyse_failover(cluster, failures, partitions, model);
        if (f->json) {
          std::cout << resilience::to_json(analysis).dump(2) << "\n";
          return exit_code::ok;
        }
        std::cout << resilience::render_summary(analysis);
        if (!f->brief) std::cout << resilience::render_details(analysis);
        std::cout << resilience::render_recommendations(analysis);
        return exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
