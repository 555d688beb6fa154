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

// Throwaway servers the dumps are restored into (none: checksums only).
struct RestoreServers {
  std::optional<std::string> postgres;  // postgresql://... a scratch database is made and dropped
  std::optional<std::string> mariadb;   // mariadb://... likewise (a throwaway mariadbd)
};

struct StoredBackup;
// The checks of one restored snapshot's folder (and of a folder-store backup before import-folder):
// every artefact's size and sha256, the archive/RDB reads back, a volume's tar unpacked into a throwaway
// folder with every file's sha256 against the manifest, and each PostgreSQL / MariaDB dump restored into
// a scratch database with the manifest's row counts (MariaDB: and CHECKSUM TABLE). Appends to
// r.problems / r.restores.
void check_backup(const StoredBackup& b, const RestoreServers& servers, VerifyResult& r,
                  const Progress& progress);

// `text` like "24h", "90m", "2d" -> seconds; nullopt when malformed.
std::optional<std::int64_t> parse_age(const std::string& text);

}  // namespace rehome::backup
