#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "generate/generate.hpp"
#include "generate/write_out.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"

namespace rehome::cli {
namespace {

struct GenerateFlags {
  std::string estate;
  std::string plan;
  std::string out;
  bool check = false;
  bool json = false;
};

std::string summary(const std::vector<generate::OutputEntry>& entries, generate::FileStatus status) {
  int n = 0;
  for (const auto& e : entries) n += e.status == status ? 1 : 0;
  return std::to_string(n);
}

Register r{
    "generate",
    "write what runs the plan: Swarm stacks, bootstrap, firewall, monitoring, Kubernetes manifests",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<GenerateFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("plan", f->plan, "plan.yaml a person reviewed (default: make the plan now)");
      app.add_option("-o,--output", f->out, "folder to write into (created when missing)")->required();
      app.add_flag("--check", f->check, "write nothing; exit 1 and list the files when the folder is stale");
      app.add_flag("--json", f->json, "print JSON for programs");
      return [f]() {
        const auto estate = f->estate.empty() ? model::default_estate() : model::load_estate(f->estate);
        const auto plan = f->plan.empty() ? plan::make_plan(estate) : plan::load_plan(f->plan, estate);
        const auto files = generate::generate_all(estate, plan);
        const auto entries =
            f->check ? generate::compare_output(f->out, files) : generate::write_output(f->out, files);
        const bool stale = f->check && generate::is_stale(entries);

        if (f->json) {
          nlohmann::json list = nlohmann::json::array();
          for (const auto& e : entries) list.push_back({{"path", e.path}, {"status", to_string(e.status)}});
          std::cout << nlohmann::json{{"output", f->out},
                                      {"check", f->check},
                                      {"stale", stale},
                                      {"files", list}}
                           .dump(2)
                    << "\n";
          return stale ? exit_code::findings : exit_code::ok;
        }
        using generate::FileStatus;
        if (f->check) {
          if (!stale) {
            std::cout << fmt::format("{} is up to date ({} files)\n", f->out, entries.size());
            return exit_code::ok;
          }
          Table table({"file", "status"});
          for (const auto& e : entries) {
            if (e.status != FileStatus::unchanged) table.add_row({e.path, to_string(e.status)});
          }
          std::cout << fmt::format("{} is stale: run `rehome generate -o {}` to update it\n\n", f->out,
                                   f->out)
                    << table.render();
          return exit_code::findings;
        }
        Table table({"file", "status"});
        for (const auto& e : entries) table.add_row({e.path, to_string(e.status)});
        std::cout << table.render() << "\n"
                  << fmt::format("{}: {} written, {} unchanged, {} removed; next: see {}/README.md\n", f->out,
                                 summary(entries, FileStatus::written),
                                 summary(entries, FileStatus::unchanged),
                                 summary(entries, FileStatus::removed), f->out);
        return exit_code::ok;
      };
    }};

}  // namespace
}  // namespace rehome::cli
