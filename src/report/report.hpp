#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/estate.hpp"
#include "move/evidence.hpp"
#include "plan/plan.hpp"
#include "resilience/drill.hpp"

namespace rehome::report {

// The evidence other commands wrote, as data (JSON files in one folder), plus the backup files.
struct BackupFile {
  std::string file;
  model::Bytes size = 0;
  std::string sha256;     // recorded next to the dump
  bool verified = false;  // the file's hash matches it now
};

struct Evidence {
  std::optional<nlohmann::json> phases;      // phases.json (rehome migrate run)
  std::optional<nlohmann::json> validation;  // validation.json (rehome validate)
  std::optional<move::MoveEvidence> move;    // move.json (rehome move, kind rehome.move)
  // migrate-<database>.json (`rehome migrate … --json`), keyed by <database>
  std::vector<std::pair<std::string, nlohmann::json>> migrations;
  std::vector<resilience::DrillResult> drills;  // drill-*.json (kind rehome.drill, `rehome drill --evidence`)
  std::vector<BackupFile> backups;              // <backups>/*.sha256 and the files they hash
  std::vector<std::string> problems;            // unreadable files, said in the report rather than hidden
};

// Reads `dir` (missing = no evidence) and `backups_dir` (default: <dir>/../backups).
Evidence load_evidence(const std::filesystem::path& dir, const std::filesystem::path& backups_dir = {});

// Memory and CPU asked for on one server, against what it has.
struct Load {
  std::string server;
  model::Bytes memory_capacity = 0, memory_used = 0;
  model::MilliCpu cpu_capacity = 0, cpu_used = 0;
  double memory_share() const { return memory_capacity ? double(memory_used) / double(memory_capacity) : 0; }
  double cpu_share() const { return cpu_capacity ? double(cpu_used) / double(cpu_capacity) : 0; }
};

struct FailoverRow {
  std::string scenario, automatic, downtime, notes;
};

struct Row {  // a generic line: name, status word, details
  std::string name, status, detail;
};

enum class Verdict { migrated, in_progress, failed, planned };

// Everything the page shows, decided once (pure), rendered twice (Markdown, HTML).
struct Report {
  std::string estate;
  Verdict verdict = Verdict::planned;
  std::string headline;                 // one sentence
  std::vector<std::string> key_points;  // three to six short facts with numbers
  Load before;                          // everything on the old host
  std::vector<Load> after;              // per server, from the plan
  std::vector<std::pair<std::string, std::vector<std::string>>> placement;  // server -> "svc ×2"
  std::vector<FailoverRow> failover;
  double failover_score = -1;  // share of single-server failures with nothing down; -1 = not analysed
  std::vector<Row> migrations;
  std::optional<nlohmann::json> validation;
  std::vector<BackupFile> backups;
  std::vector<Row> phases;  // "0. Prechecks", status, duration
  std::vector<resilience::DrillResult> drills;
  // Write unavailability per service during the cutover (rehome move): service, window, how measured.
  std::vector<Row> downtime;
  std::string downtime_note;  // the move's status and whole time, in a sentence; empty = no move
  std::vector<std::string> problems;
};

// One drill as the report shows it (drill.cpp): a sentence, then Service | From | Predicted |
// Measured | Verdict rows; a miss's row carries why.
struct DrillView {
  std::string title;    // "lose node3 (stack shop)"
  std::string summary;  // quorum and the count of misses
  std::vector<std::vector<std::string>> rows;
};
DrillView drill_view(const resilience::DrillResult& drill);

// `old_server` empty = the first server of the estate.
Report make_report(const model::Estate& estate, const plan::Plan& plan, const Evidence& evidence,
                   const std::string& old_server);

std::string to_markdown(const Report& report);
std::string to_html(const Report& report);  // one self-contained page: inline CSS and SVG, no script

}  // namespace rehome::report
