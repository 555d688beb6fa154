// load_evidence: reads the evidence folder. Each JSON file is parsed by the library that wrote it,
// chosen by the file's "kind"; what cannot be read is named in the report's problems.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/evidence.hpp"
#include "common/sha256.hpp"
#include "report/report.hpp"

namespace rehome::report {
namespace {

std::optional<nlohmann::json> read_json(const std::filesystem::path& p, std::vector<std::string>& problems) {
  try {
    auto j = nlohmann::json::parse(read_file(p), nullptr, false);
    if (!j.is_discarded()) return j;
    problems.push_back(fmt::format("{}: not valid JSON; left out", p.string()));
  } catch (const UserError& e) {
    problems.push_back(e.what());
  }
  return std::nullopt;
}

// A file and the hash recorded for it: does it hash to that now?
BackupFile check_file(const std::filesystem::path& file, const std::string& sha256,
                      std::vector<std::string>& problems) {
  BackupFile b{file.filename().string(), 0, sha256, false};
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    b.size = static_cast<model::Bytes>(std::filesystem::file_size(file, ec));
    try {
      b.verified = sha256_file(file) == b.sha256;
    } catch (const UserError& e) {
      problems.push_back(e.what());
    }
  }
  return b;
}

std::vector<BackupFile> read_backups(const std::filesystem::path& dir, std::vector<std::string>& problems) {
  std::vector<BackupFile> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".sha256") continue;
    std::string line;
    std::ifstream(entry.path()) >> line;
    std::filesystem::path file = entry.path();
    file.replace_extension();
    out.push_back(check_file(file, line, problems));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

std::string migration_name(const std::string& name) {
  std::string stem = std::filesystem::path(name).stem().string();
  return stem.rfind("migrate-", 0) == 0 ? stem.substr(8) : stem;
}

using Reader = std::function<void(Evidence&, const std::string& name, const nlohmann::json&)>;

const std::map<std::string, Reader>& readers() {
  static const std::map<std::string, Reader> all = {
      {runbook::kPhasesKind, [](Evidence& ev, const std::string&,
                                const nlohmann::json& j) { ev.phases = runbook::phases_from_json(j); }},
      {validate::kValidationKind,
       [](Evidence& ev, const std::string&, const nlohmann::json& j) {
         ev.validation = validate::suite_from_json(j);
       }},
      {migrate::kPgMigrationKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.migrations.push_back({migration_name(name), migrate::pg_migration_from_json(j)});
       }},
      {migrate::kRedisMigrationKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.migrations.push_back({migration_name(name), migrate::redis_migration_from_json(j)});
       }},
      {migrate::kMariadbMigrationKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.migrations.push_back({migration_name(name), migrate::mariadb_migration_from_json(j)});
       }},
      {migrate::volume::kVolumeMigrationKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.migrations.push_back({migration_name(name), migrate::volume::volume_migration_from_json(j)});
       }},
      {move::kEvidenceKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.move = move::move_evidence_from_json(j, name);
       }},
      {resilience::kDrillKind,
       [](Evidence& ev, const std::string& name, const nlohmann::json& j) {
         ev.drills.push_back(resilience::drill_from_json(j, name));
       }},
      {backup::kResticBackupKind,
       [](Evidence& ev, const std::string&, const nlohmann::json& j) {
         ev.restic_runs.push_back(backup::repo_run_from_json(j));
       }},
  };
  return all;
}

}  // namespace

void add_evidence(Evidence& ev, const std::string& name, const nlohmann::json& j) {
  std::string kind = evidence::kind_of(j);
  auto it = readers().find(kind);
  if (it == readers().end()) {
    ev.problems.push_back(
        kind.empty()
            ? fmt::format("{}: no \"kind\" (not rehome evidence, or written by a rehome before "
                          "evidence had kinds); left out: run the command that wrote it again",
                          name)
            : fmt::format("{}: unknown kind '{}' (written by a newer rehome?); left out", name, kind));
    return;
  }
  try {
    it->second(ev, name, j);
  } catch (const std::exception& e) {  // UserError (a newer format) or nlohmann::json's (a missing field)
    ev.problems.push_back(fmt::format("{}: {}; left out", name, e.what()));
  }
}

Evidence load_evidence(const std::filesystem::path& dir, const std::filesystem::path& backups_dir) {
  Evidence ev;
  std::error_code ec;
  if (!dir.empty() && std::filesystem::is_directory(dir, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files)
      if (auto j = read_json(p, ev.problems)) add_evidence(ev, p.filename().string(), *j);
  } else if (!dir.empty()) {
    ev.problems.push_back(
        fmt::format("{}: no such evidence folder; the report shows the plan only", dir.string()));
  }
  auto bdir = backups_dir.empty() && !dir.empty() ? (dir / ".." / "backups").lexically_normal() : backups_dir;
  if (!bdir.empty()) {
    auto files = read_backups(bdir, ev.problems);
    ev.backups.insert(ev.backups.end(), files.begin(), files.end());
  }
  return ev;
}

}  // namespace rehome::report
