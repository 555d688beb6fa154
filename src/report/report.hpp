#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "backup/evidence.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "model/estate.hpp"
#include "move/evidence.hpp"
#include "plan/plan.hpp"
#include "resilience/drill.hpp"
#include "runbook/state.hpp"
#include "validate/result.hpp"

namespace rehome::report {

// The evidence other commands wrote: JSON files in one folder, each parsed by the library that wrote it
// (dispatched on its "kind", never on the file's name), plus the backup files.
struct BackupFile {
  std::string file;
  model::Bytes size = 0;
  std::string sha256;     // recorded next to the dump
  bool verified = false;  // the file's hash matches it now
};

using MigrationReport = std::variant<migrate::PgMigrationReport, migrate::RedisMigrationReport,
                                     migrate::MariadbMigrationReport, migrate::volume::VolumeMigrationReport>;
struct Migration {
  // The name the report shows: the file's name without "migrate-" and ".json" (the runbook writes
  // migrate-<service>.<database>.json, so its row and the copy's own proof meet); not what decides the type.
  std::string name;
  MigrationReport report;
};

struct Evidence {
  std::optional<runbook::PhasesEvidence> phases;   // kind rehome.phases (rehome migrate run)
  std::optional<validate::Suite> validation;       // kind rehome.validation (rehome validate)
  std::optional<move::MoveEvidence> move;          // kind rehome.move (rehome move)
  std::vector<resilience::DrillResult> drills;     // kind rehome.drill (`rehome drill --evidence`)
  std::vector<Migration> migrations;               // kinds rehome.migration.* (`rehome migrate … --json`)
  std::vector<backup::RepoRunResult> restic_runs;  // kind rehome.backup.restic (`rehome backup run --repo`)
  std::vector<BackupFile>
      backups;  // kind rehome.backup's artefacts, <backups>/*.sha256 and the files they hash
  std::vector<std::string> problems;  // unreadable or unknown files, said in the report rather than hidden
};

// The kinds load_evidence reads, and the parsing of one evidence JSON into `evidence` (`name` labels it
// and names it in problems). An unknown kind or a newer format is a problem, never a crash.
void add_evidence(Evidence& evidence, const std::string& name, const nlohmann::json& j);

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
  std::optional<validate::Suite> validation;
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
