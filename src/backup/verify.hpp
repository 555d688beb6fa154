#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup/run.hpp"

namespace rehome::backup {

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

struct StoredBackup;
// The checks of one restored snapshot's folder (and of a folder-store backup before import-folder):
// every artefact's size and sha256, the archive/RDB reads back, and (with restore_url) each PostgreSQL dump
// restores into a scratch database with the manifest's row counts. Appends to r.problems / r.restores.
void check_backup(const StoredBackup& b, const std::optional<std::string>& restore_url, VerifyResult& r,
                  const Progress& progress);

// `text` like "24h", "90m", "2d" -> seconds; nullopt when malformed.
std::optional<std::int64_t> parse_age(const std::string& text);

}  // namespace rehome::backup
