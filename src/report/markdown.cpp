#include <fmt/format.h>

#include "report/report.hpp"

namespace rehome::report {
namespace {

std::string pct(double share) { return fmt::format("{:.0f}%", share * 100); }

std::string load_row(const Load& l) {
  return fmt::format("| {} | {} / {} ({}) | {} / {} ({}) |\n", l.server, model::format_bytes(l.memory_used),
                     model::format_bytes(l.memory_capacity), pct(l.memory_share()),
                     model::format_cpu(l.cpu_used), model::format_cpu(l.cpu_capacity), pct(l.cpu_share()));
}

}  // namespace

std::string to_markdown(const Report& r) {
  std::string md = fmt::format("# rehome report: {}\n\n**{}**\n\n", r.estate, r.headline);
  for (const auto& k : r.key_points) md += "- " + k + "\n";
  md += "\n## Memory and CPU, before and after\n\n| Server | Memory | CPU |\n|---|---|---|\n";
  md += load_row(r.before) + "\n| After the move | | |\n|---|---|---|\n";
  for (const auto& l : r.after) md += load_row(l);
  md += "\n## Placement\n\n| Server | Services |\n|---|---|\n";
  for (const auto& [server, services] : r.placement)
    md += fmt::format("| {} | {} |\n", server,
                      services.empty() ? "—" : fmt::format("{}", fmt::join(services, ", ")));
  md += "\n## Failover\n\n";
  if (r.failover.empty())
    md += "Not analysed.\n";
  else {
    md += "| Scenario | Automatic recovery | Downtime | Notes |\n|---|---|---|---|\n";
    for (const auto& f : r.failover)
      md += fmt::format("| {} | {} | {} | {} |\n", f.scenario, f.automatic, f.downtime, f.notes);
  }
  md += "\n## Drill: a node killed, recovery measured\n\n";
  if (r.drills.empty()) md += "Not run yet (`rehome drill --evidence DIR`).\n";
  for (const auto& d : r.drills) {
    auto v = drill_view(d);
    md += fmt::format(
        "**{}**: {}\n\n| Service | From | Predicted | Measured | Verdict |\n|---|---|---|---|---|\n", v.title,
        v.summary);
    for (const auto& row : v.rows) md += fmt::format("| {} |\n", fmt::join(row, " | "));
    md += "\n";
  }
  md += "\n## Migration verification\n\n";
  if (r.migrations.empty())
    md += "No database has been migrated yet.\n";
  else {
    md += "| Database | Status | Details |\n|---|---|---|\n";
    for (const auto& m : r.migrations) md += fmt::format("| {} | {} | {} |\n", m.name, m.status, m.detail);
  }
  md += "\n## Validation\n\n";
  if (!r.validation)
    md += "Not run yet (`rehome validate --evidence DIR`).\n";
  else {
    md += "| Test Category | Passed | Skipped | Partial | Failed | Score |\n|---|---|---|---|---|---|\n";
    for (auto a : validate::kAreas) {
      auto c = r.validation->score(a);
      md += fmt::format("| {} | {}/{} | {} | {} | {} | {:.0f}% |\n", validate::to_string(a), c.passed,
                        c.total(), c.skipped, c.partial, c.failed, c.percent());
    }
  }
  md += "\n## Backups\n\n";
  if (r.backups.empty())
    md += "No hashed backup found.\n";
  else {
    md += "| File | Size | SHA-256 | Verifies |\n|---|---|---|---|\n";
    for (const auto& b : r.backups)
      md += fmt::format("| {} | {} | `{}…` | {} |\n", b.file, model::format_bytes(b.size),
                        b.sha256.substr(0, 16), b.verified ? "yes" : "NO");
  }
  md += "\n## Phases\n\n";
  if (r.phases.empty())
    md += "Not started (`rehome migrate run --execute`).\n";
  else {
    md += "| Phase | Status | Time and result |\n|---|---|---|\n";
    for (const auto& p : r.phases) md += fmt::format("| {} | {} | {} |\n", p.name, p.status, p.detail);
  }
  md += "\n## Downtime\n\n";
  if (r.downtime_note.empty())
    md += "No cutover recorded (`rehome move --execute`).\n";
  else {
    md += r.downtime_note + "\n\n| Service | Write freeze | Measured |\n|---|---|---|\n";
    for (const auto& d : r.downtime) md += fmt::format("| {} | {} | {} |\n", d.name, d.status, d.detail);
  }
  if (!r.problems.empty()) {
    md += "\n## Notes\n\n";
    for (const auto& p : r.problems) md += "- " + p + "\n";
  }
  return md;
}

}  // namespace rehome::report
