// make_report: decides what the page says from the estate, the plan and the evidence. Pure.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/report.hpp"
#include "resilience/cluster.hpp"
#include "resilience/failover.hpp"
#include "resilience/scenario.hpp"

namespace rehome::report {
namespace {

model::Bytes memory_of(const model::Service& s) { return s.resources.memory_reservation; }
model::MilliCpu cpu_of(const model::Service& s) { return s.resources.cpu_reservation; }

Load before_move(const model::Estate& e, const model::Server& old) {
  Load l{old.name, old.memory, 0, old.cpu(), 0};
  for (const auto& s : e.services) {
    int n = s.global ? 1 : s.replicas;  // on one host, a global service runs once
    l.memory_used += memory_of(s) * n;
    l.cpu_used += cpu_of(s) * n;
  }
  return l;
}

std::vector<Load> after_move(const model::Estate& e, const plan::Plan& p) {
  std::vector<Load> out;
  for (const auto& server : e.servers) {
    Load l{server.name, server.memory, 0, server.cpu(), 0};
    for (const auto& name : p.services_on(server.name))
      if (const auto* s = e.find_service(name)) {
        l.memory_used += memory_of(*s);
        l.cpu_used += cpu_of(*s);
      }
    out.push_back(l);
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> placement(const model::Estate& e,
                                                                        const plan::Plan& p) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& server : e.servers) {
    std::map<std::string, int> count;
    std::vector<std::string> order;
    for (const auto& name : p.services_on(server.name))
      if (count[name]++ == 0) order.push_back(name);
    std::vector<std::string> cells;
    for (const auto& n : order) cells.push_back(count[n] > 1 ? fmt::format("{} ×{}", n, count[n]) : n);
    out.push_back({server.name, cells});
  }
  return out;
}

std::string duration_text(std::int64_t ms) { return ms > 0 ? model::format_duration(ms) : "—"; }

std::vector<Row> phase_rows(const runbook::PhasesEvidence& phases, std::vector<Row>& migrations,
                            int& last_done, bool& any_failed) {
  std::vector<Row> out;
  for (const auto& p : phases.phases) {
    if (p.status == "done") last_done = std::max(last_done, p.number);
    if (p.status == "failed") any_failed = true;
    Row row{fmt::format("{}. {}", p.number, p.name), p.status, duration_text(p.duration_ms)};
    // Cleanup: Docker's own count of what pruning the old images freed.
    for (const auto& s : p.steps)
      if (s.id == "7.prune-images" && s.status == "done" && !s.output.empty()) row.detail += "; " + s.output;
    out.push_back(row);
    for (const auto& s : p.steps) {
      auto at = s.id.find(".migrate.");
      if (at == std::string::npos) continue;
      migrations.push_back({s.id.substr(at + 9), s.status == "done" ? "verified" : s.status,
                            s.status == "done"
                                ? fmt::format("copied and content checksums equal on both sides ({})",
                                              duration_text(s.duration_ms))
                                : s.output});
    }
  }
  return out;
}

std::string count(int64_t n, const char* what) { return fmt::format("{} {}", n, what); }

// A copy's own proof (`rehome migrate … --json`): its verdict and the numbers it has.
Row migration_row(const Migration& m) {
  std::vector<std::string> facts;
  bool verified = std::visit([](const auto& r) { return r.verified(); }, m.report);
  if (const auto* pg = std::get_if<migrate::PgMigrationReport>(&m.report)) {
    facts = {count(static_cast<int64_t>(pg->tables.size()), "tables"), count(pg->rows_copied, "rows_copied")};
  } else if (const auto* redis = std::get_if<migrate::RedisMigrationReport>(&m.report)) {
    facts = {count(redis->keys_copied, "keys_copied")};
  } else if (const auto* maria = std::get_if<migrate::MariadbMigrationReport>(&m.report)) {
    facts = {count(static_cast<int64_t>(maria->tables.size()), "tables"),
             count(maria->rows_copied, "rows_copied")};
  } else if (const auto* vol = std::get_if<migrate::volume::VolumeMigrationReport>(&m.report)) {
    facts = {count(vol->source.files, "files"), model::format_bytes(vol->source.bytes)};
  }
  facts.push_back(verified ? "its checksums match" : "its checksums DIFFER");
  return {m.name, verified ? "verified" : "mismatch", fmt::format("{}", fmt::join(facts, ", "))};
}

}  // namespace

Report make_report(const model::Estate& e, const plan::Plan& p, const Evidence& ev,
                   const std::string& old_name) {
  Report r;
  r.estate = e.name;
  const model::Server* old =
      old_name.empty() ? (e.servers.empty() ? nullptr : &e.servers.front()) : e.find_server(old_name);
  if (old) r.before = before_move(e, *old);
  r.after = after_move(e, p);
  r.placement = placement(e, p);
  r.problems = ev.problems;
  r.drills = ev.drills;
  try {
    resilience::Cluster cluster(e, p);
    auto analysis = resilience::analyse_failover(cluster, resilience::failure_scenarios(e, 1), {}, {});
    for (const auto& row : resilience::summary_rows(analysis))
      r.failover.push_back({row.scenario, row.automatic, row.downtime, row.notes});
    r.failover_score = analysis.score;
  } catch (const std::exception& ex) {
    r.problems.push_back(std::string("failover analysis unavailable: ") + ex.what());
  }
  int last_done = -1;
  bool failed = false;
  if (ev.phases) r.phases = phase_rows(*ev.phases, r.migrations, last_done, failed);
  if (ev.move) {
    for (const auto& d : ev.move->downtime)
      r.downtime.push_back(
          {d.service, d.window_ms < 0 ? "not ended" : model::format_duration(d.window_ms),
           d.window_ms < 0
               ? "the move stopped before its new writers ran"
               : "from the stop of its old writers to its new instance running (" + d.clock + " clock)"});
    r.downtime_note =
        fmt::format("Move {}: {} in all.", ev.move->status, model::format_duration(ev.move->total_ms));
  }
  // The copy's own summary joins the runbook's row for the same database.
  for (const auto& migration : ev.migrations) {
    Row row = migration_row(migration);
    auto it = std::find_if(r.migrations.begin(), r.migrations.end(),
                           [&](const Row& m) { return m.name == migration.name; });
    if (it == r.migrations.end()) {
      r.migrations.push_back(row);
    } else if (!row.detail.empty()) {
      it->detail += "; rehome migrate: " + row.detail;
      if (row.status == "mismatch") it->status = "mismatch";
    }
  }
  r.validation = ev.validation;
  r.backups = ev.backups;

  auto validation_status = ev.validation ? ev.validation->status() : validate::Status::incomplete;
  bool validated = ev.validation && validation_status == validate::Status::passed;
  bool validation_failed = ev.validation && validation_status == validate::Status::failed;
  bool validation_incomplete = ev.validation && validation_status == validate::Status::incomplete;
  double score = ev.validation ? ev.validation->overall().percent() : 0.0;
  if (failed || validation_failed) {
    r.verdict = Verdict::failed;
    r.headline = validation_failed
                     ? fmt::format("Not ready: validation failed ({} probe(s) failed)",
                                   ev.validation->overall().failed)
                     : "Not ready: a migration step failed; see the phases and roll back or fix";
  } else if (last_done >= 6 && validated) {
    r.verdict = Verdict::migrated;
    r.headline =
        last_done >= 7
            ? fmt::format("Migrated and cleaned up: phases 0–7 done, validation passed ({:.0f}%)", score)
            : fmt::format("Migrated: phases 0–6 done, validation passed ({:.0f}%)", score);
  } else if (last_done >= 6 && validation_incomplete) {
    r.verdict = Verdict::in_progress;
    r.headline = fmt::format("Moved, not yet proven: validation INCOMPLETE ({})",
                             validate::status_reason(*ev.validation));
  } else if (ev.phases) {
    r.verdict = Verdict::in_progress;
    r.headline = fmt::format("In progress: phases done up to {}",
                             last_done < 0 ? std::string("none") : std::to_string(last_done));
  } else {
    r.verdict = Verdict::planned;
    r.headline = "Planned: nothing moved yet; this is what the move will look like";
  }

  if (old)
    r.key_points.push_back(fmt::format("Before: everything on {} asks {} of {} memory ({:.0f}%)", old->name,
                                       model::format_bytes(r.before.memory_used),
                                       model::format_bytes(r.before.memory_capacity),
                                       r.before.memory_share() * 100));
  if (!r.after.empty()) {
    auto busiest = *std::max_element(r.after.begin(), r.after.end(), [](const Load& a, const Load& b) {
      return a.memory_share() < b.memory_share();
    });
    r.key_points.push_back(fmt::format("After: {} server{}, busiest {} at {:.0f}% memory", r.after.size(),
                                       r.after.size() == 1 ? "" : "s", busiest.server,
                                       busiest.memory_share() * 100));
  }
  if (r.failover_score >= 0 && !r.failover.empty()) {
    auto cases = r.failover.size();
    auto up = static_cast<size_t>(r.failover_score * static_cast<double>(cases) + 0.5);
    r.key_points.push_back(fmt::format("Losing one server: every service stays up in {} of {} case{}", up,
                                       cases, cases == 1 ? "" : "s"));
  }
  int verified = static_cast<int>(std::count_if(r.migrations.begin(), r.migrations.end(),
                                                [](const Row& m) { return m.status == "verified"; }));
  if (!r.migrations.empty())
    r.key_points.push_back(
        fmt::format("Databases: {} of {} copied and verified", verified, r.migrations.size()));
  if (ev.validation) {
    auto o = ev.validation->overall();
    r.key_points.push_back(
        fmt::format("Validation: {}/{} passed, {} skipped, {} partial, {} failed ({:.0f}%)", o.passed,
                    o.total(), o.skipped, o.partial, o.failed, score));
  }
  if (!r.backups.empty()) {
    int ok = static_cast<int>(
        std::count_if(r.backups.begin(), r.backups.end(), [](auto& b) { return b.verified; }));
    r.key_points.push_back(fmt::format("Backups: {} of {} hashed dumps verify", ok, r.backups.size()));
  }
  if (!ev.restic_runs.empty()) {
    size_t stored = 0, failures = 0;
    for (const auto& run : ev.restic_runs) {
      stored += run.stored.size();
      failures += run.failures.size();
    }
    r.key_points.push_back(fmt::format("Backups in restic repositories: {} snapshot{} stored, {} failure{}",
                                       stored, stored == 1 ? "" : "s", failures, failures == 1 ? "" : "s"));
  }
  return r;
}

}  // namespace rehome::report
