#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/subcommand.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"
#include "report/report.hpp"

namespace rehome::cli {
namespace {

struct ReportFlags {
  std::string estate, plan, evidence, backups, old_server, html, markdown;
};

int run(const ReportFlags& f) {
  if (f.html.empty() && f.markdown.empty())
    throw UserError("rehome report: nowhere to write", "pass -o report.html and/or --markdown report.md");
  auto estate = f.estate.empty() ? model::default_estate() : model::load_estate(f.estate);
  auto plan = f.plan.empty() ? plan::make_plan(estate) : plan::load_plan(f.plan, estate);
  if (!f.old_server.empty() && !estate.find_server(f.old_server))
    throw UserError(fmt::format("--old-server {}: not a server of estate {}", f.old_server, estate.name),
                    "name the host everything ran on before the move");
  auto evidence = report::load_evidence(f.evidence, f.backups);
  auto r = report::make_report(estate, plan, evidence, f.old_server);
  if (!f.html.empty()) write_file_atomically(f.html, report::to_html(r));
  if (!f.markdown.empty()) write_file_atomically(f.markdown, report::to_markdown(r));
  std::cout << r.headline << "\n";
  for (const auto& k : r.key_points) std::cout << "  - " << k << "\n";
  for (const auto& out : {f.html, f.markdown})
    if (!out.empty()) std::cout << "written: " << out << "\n";
  return exit_code::ok;
}

Register r{
    "report", "write the move's report: one self-contained HTML page and/or Markdown",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<ReportFlags>();
      app.add_option("estate", f->estate, "estate.yaml (default: the built-in wizardsofts example)");
      app.add_option("plan", f->plan, "plan.yaml (default: the planner's plan)");
      app.add_option("--evidence", f->evidence, "folder of evidence JSON (phases, validation, migrations)");
      app.add_option("--backups", f->backups, "folder of hashed dumps (default <evidence>/../backups)");
      app.add_option("--old-server", f->old_server, "the host everything ran on before (default: the first)");
      app.add_option("-o,--output", f->html, "write the HTML page here");
      app.add_option("--markdown", f->markdown, "write the Markdown report here");
      return [f]() { return run(*f); };
    }};

}  // namespace
}  // namespace rehome::cli
