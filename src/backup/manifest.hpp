#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehome::backup {

// One file of a backup: a PostgreSQL or MariaDB dump, a Redis RDB or a volume tar.
struct Artefact {
  std::string name;    // file name inside the backup folder, e.g. "postgres-127.0.0.1-5432-app.dump"
  std::string kind;    // postgres | mariadb | redis | volume
  std::string source;  // where it came from, secrets masked
  std::int64_t size = 0;
  std::int64_t time = 0;  // unix seconds when it was taken
  std::string sha256;
  std::string database;  // postgres: the database name (what verify restores)
  std::map<std::string, std::int64_t>
      row_counts;  // postgres: "schema.table" -> rows; mariadb: "table" -> rows; same snapshot as the dump
  // mariadb: "table" -> CHECKSUM TABLE's value, taken in the dump's snapshot (a restore must give it back)
  std::map<std::string, std::string> checksums;
  std::string binlog_position;  // mariadb: "file:position" of the dump's snapshot ("" without a binlog)
  // volume (a plain tar stream): every regular file's sha256 and every symlink's "symlink:TARGET", by
  // its path inside the volume ("dir/file.txt")
  std::map<std::string, std::string> files;
};

// manifest.json of one backup folder. A backup folder without a manifest is not a backup.
struct Manifest {
  static constexpr const char* format_name = "rehome-backup/1";
  std::string id;         // folder name, from the start time: "20261123T031500Z"
  std::int64_t time = 0;  // unix seconds (start)
  std::string estate;     // may be empty when run from --url
  std::string host;       // machine that took it
  std::vector<Artefact> artefacts;

  std::int64_t total_bytes() const;
  const Artefact* find(const std::string& name) const;
};

std::string manifest_to_json(const Manifest& m);
// Throws UserError naming `where` (the file) on malformed input.
Manifest manifest_from_json(const std::string& text, const std::string& where);

// The record `backup verify` leaves in a backup folder after a full check and restore passed.
struct VerifyRecord {
  std::int64_t time = 0;  // when verify passed
  bool restored = false;  // a scratch restore with row counts was part of it
};
std::string verify_record_to_json(const VerifyRecord& r);
std::optional<VerifyRecord> verify_record_from_json(const std::string& text);

// "20261123T031500Z" for a unix time (UTC), and back; nullopt if it is not such an id.
std::string backup_id_for(std::int64_t unix_seconds);
std::optional<std::int64_t> time_from_backup_id(const std::string& id);
// "2026-11-23T03:15:00Z"
std::string iso_utc(std::int64_t unix_seconds);

}  // namespace rehome::backup
