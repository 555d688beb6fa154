#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup/run.hpp"

namespace rehome::backup {

struct VerifyOptions {
  std::filesystem::path dest;
  std::int64_t max_age_seconds = 24 * 3600;
  std::optional<std::string> restore_url;         // a server where scratch databases may be created
  std::optional<std::filesystem::path> textfile;  // Prometheus textfile, written atomically
  std::map<std::string, std::string> labels;      // metric labels (estate, dest)
  std::int64_t now = 0;                           // 0 = the clock
  Progress progress = [](const std::string&) {};
};

struct RestoreCheck {
  std::string artefact;
  std::string scratch_database;
  int tables = 0;
  std::int64_t rows = 0;
  std::vector<std::string> mismatches;  // "public.t: 10 rows in the manifest, 9 restored"
};

struct VerifyResult {
  std::string backup_id;  // newest backup checked ("" when none)
  std::int64_t age_seconds = 0;
  std::int64_t bytes = 0;
  std::vector<std::string> problems;  // each names the file or object
  std::vector<RestoreCheck> restores;
  bool ok() const { return problems.empty(); }
};

// Checks the newest backup: its age, every artefact's size and sha256, then (with restore_url) restores
// each PostgreSQL dump into a fresh scratch database, compares row counts with the manifest and drops it.
// On success records verified.json in the backup folder. Writes the textfile either way.
VerifyResult verify_backup(const VerifyOptions& options);

struct StoredBackup;
// The checks of one backup folder, shared by the folder store and restic repositories (after a restore):
// every artefact's size and sha256, the archive/RDB reads back, and (with restore_url) each PostgreSQL dump
// restores into a scratch database with the manifest's row counts. Appends to r.problems / r.restores.
void check_backup(const StoredBackup& b, const std::optional<std::string>& restore_url, VerifyResult& r,
                  const Progress& progress);

// `text` like "24h", "90m", "2d" -> seconds; nullopt when malformed.
std::optional<std::int64_t> parse_age(const std::string& text);

}  // namespace rehome::backup
