// make_report: decides what the page says from the estate, the plan and the evidence. Pure.
#include <algorithm>
#include <map>

#include <fmt/format.h>

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

std::vector<Row> phase_rows(const nlohmann::json& phases, std::vector<Row>& migrations, int& last_done,
                            bool& any_failed) {
  std::vector<Row> out;
  for (const auto& p : phases.value("phases", nlohmann::json::array())) {
    std::string status = p.value("status", "pending");
    int number = p.value("number", -1);
    if (status == "done") last_done = std::max(last_done, number);
    if (status == "failed") any_failed = true;
    Row row{fmt::format("{}. {}", number, p.value("name", "")), status,
            duration_text(p.value("duration_ms", std::int64_t{0}))};
    for (const auto& s : p.value("steps", nlohmann::json::array())) {
      std::string id = s.value("id", "");
      // Cleanup: Docker's own count of what pruning the old images freed.
      std::string output = s.value("output", "");
      if (id == "7.prune-images" && s.value("status", "") == "done" && !output.empty())
        row.detail += "; " + output;
    }
    out.push_back(row);
    for (const auto& s : p.value("steps", nlohmann::json::array())) {
      std::string id = s.value("id", "");
      if (id.find(".migrate.") == std::string::npos) continue;
      std::string st = s.value("status", "pending");
      migrations.push_back({id.substr(id.find(".migrate.") + 9), st == "done" ? "verified" : st,
                            st == "done"
                                ? fmt::format("copied and content checksums equal on both sides ({})",
                                              duration_text(s.value("duration_ms", std::int64_t{0})))
                                : s.value("output", "")});
    }
  }
  return out;
}

// Another command's migrate evidence, whatever its exact shape: name, verdict, the numbers it has.
Row migration_row(const std::string& name, const nlohmann::json& j) {
  std::string status = j.contains("verified") && j["verified"].is_boolean()
                           ? (j["verified"].get<bool>() ? "verified" : "mismatch")
                           : j.value("status", std::string("recorded"));
  std::vector<std::string> facts;
  if (j.contains("tables") && j["tables"].is_array())
    facts.push_back(fmt::format("{} tables", j["tables"].size()));
  for (const char* key : {"rows_copied", "keys_copied", "rows", "keys", "checksum_mismatches"})
    if (j.contains(key) && j[key].is_number()) facts.push_back(fmt::format("{} {}", j[key].dump(), key));
  if (j.contains("verified") && j["verified"].is_boolean())
    facts.push_back(j["verified"].get<bool>() ? "its checksums match" : "its checksums DIFFER");
  return {name, status, fmt::format("{}", fmt::join(facts, ", "))};
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
  for (const auto& [name, j] : ev.migrations) {
    Row row = migration_row(name, j);
    auto it =
        std::find_if(r.migrations.begin(), r.migrations.end(), [&](const Row& m) { return m.name == name; });
    if (it == r.migrations.end()) {
      r.migrations.push_back(row);
    } else if (!row.detail.empty()) {
      it->detail += "; rehome migrate: " + row.detail;
      if (row.status == "mismatch") it->status = "mismatch";
    }
  }
  r.validation = ev.validation;
  r.backups = ev.backups;

  bool validated = ev.validation && ev.validation->value("ok", false);
  // Evidence written before the INCOMPLETE verdict has no "status": then "ok" false meant a failure.
  bool validation_failed = ev.validation && !validated &&
                           (ev.validation->value("status", "FAILED") == "FAILED" ||
                            (*ev.validation)["overall"].value("failed", 0) > 0);
  bool validation_incomplete = ev.validation && !validated && !validation_failed;
  double score = ev.validation ? (*ev.validation)["overall"].value("score_percent", 0.0) : 0.0;
  if (failed || validation_failed) {
    r.verdict = Verdict::failed;
    r.headline = validation_failed
                     ? fmt::format("Not ready: validation failed ({} probe(s) failed)",
                                   (*ev.validation)["overall"].value("failed", 0))
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
                             ev.validation->value("status_reason", std::string("probes skipped")));
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
    const auto& o = (*ev.validation)["overall"];
    r.key_points.push_back(fmt::format(
        "Validation: {}/{} passed, {} skipped, {} partial, {} failed ({:.0f}%)", o.value("passed", 0),
        o.value("total", 0), o.value("skipped", 0), o.value("partial", 0), o.value("failed", 0), score));
  }
  if (!r.backups.empty()) {
    int ok = static_cast<int>(
        std::count_if(r.backups.begin(), r.backups.end(), [](auto& b) { return b.verified; }));
    r.key_points.push_back(fmt::format("Backups: {} of {} hashed dumps verify", ok, r.backups.size()));
  }
  return r;
}

}  // namespace rehome::report
