#pragma once
// rehome orchestrates, restic stores: backups into restic repositories, their retention and their proof.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.hpp"
#include "backup/metrics.hpp"
#include "backup/restic.hpp"
#include "backup/run.hpp"
#include "backup/verify.hpp"

namespace rehome::backup {

// Where artefacts wait before restic reads them. Each source has a stable sub-folder
// (<staging>/<estate>/<artefact name>/ holding the artefact and manifest.json) so restic finds the
// previous snapshot of the same source as its parent and the default grouping (host, paths) puts each
// source's snapshots in one retention group.
inline constexpr const char* default_staging = "/var/tmp/rehome-backup-staging";

struct RepoRunOptions {
  std::vector<Source> sources;
  std::vector<Repository> repositories;  // every declared target: local and off-site alike
  std::string estate;
  std::filesystem::path staging = default_staging;
  Progress progress = [](const std::string&) {};
};

struct StoredSnapshot {
  std::string repository;  // masked location
  std::string service, kind;
  Artefact artefact;
  ResticBackupSummary summary;
};

struct RepoRunResult {
  std::vector<StoredSnapshot> stored;
  std::vector<std::string>
      failures;  // "sftp:backup@10.0.0.9:/r: restic backup ... failed ..." per repository
  bool ok() const { return failures.empty(); }
};

// Takes each source once (into its staging folder, with a one-artefact manifest.json beside it), then
// `restic backup`s that folder into every repository with the tags estate/service/kind. A repository that
// does not exist yet is initialised; one that fails is recorded and the others still get their copy.
RepoRunResult backup_to_repositories(const RepoRunOptions& options);

struct RepoVerifyOptions {
  Repository repository;
  std::string estate;         // only this estate's snapshots ("" = every rehome snapshot)
  int read_data_percent = 5;  // restic check --read-data-subset
  std::int64_t max_age_seconds = 24 * 3600;
  std::optional<std::string> restore_url;          // scratch PostgreSQL server for the restore test
  std::optional<std::string> restore_mariadb_url;  // throwaway MariaDB server for the restore test
  std::optional<std::filesystem::path> textfile;
  std::map<std::string, std::string> labels;
  std::filesystem::path scratch = "/var/tmp";  // restores land in a throwaway folder under it
  std::int64_t now = 0;
  Progress progress = [](const std::string&) {};
};

struct RepoVerifyResult {
  ResticCheck check;
  std::vector<std::string> verified;  // snapshot ids that passed the restore test (now tagged verified)
  VerifyResult details;               // problems (each naming the snapshot and file), restores, bytes, age
  BackupMetrics metrics;              // what the textfile holds for this repository
  bool ok() const { return check.ok && details.ok(); }
};

// Moves (or, across file systems, copies) `file` into <root>/<artefact name>/ beside a manifest.json of
// `head` holding just `a`, and `restic backup`s that folder into every repository with `tags` (and
// `time`, restic's --time, when not empty; head.host as --host). Failures are recorded in `result`.
void store_artefact(const std::vector<Restic>& repos, const std::filesystem::path& root,
                    const std::filesystem::path& file, const Artefact& a, const Manifest& head,
                    const std::vector<std::string>& tags, const std::string& time, RepoRunResult& result,
                    const Progress& progress);

struct ImportOptions {
  std::filesystem::path folder;  // the older store: <folder>/<id>/manifest.json + artefacts
  std::vector<Repository> repositories;
  std::string estate;  // "" = each backup's own manifest estate
  std::filesystem::path staging = default_staging;
  Progress progress = [](const std::string&) {};
};

struct ImportResult {
  int imported = 0;                  // backups newly in every repository
  int already_there = 0;             // found by their tag folder-backup=ID: a second import adds nothing
  RepoRunResult stored;              // snapshots made and failures (per repository)
  std::vector<std::string> refused;  // artefacts whose size or sha256 no longer match their manifest
  bool ok() const { return stored.ok() && refused.empty(); }
};

// `backup import-folder`: every complete backup of the older folder store, oldest first, each artefact
// checked against its manifest (size, sha256) and stored as its own snapshot exactly as `backup run`
// stores one (same staging path, tags estate/service/kind, manifest beside it), with the backup's own
// time (--time) and host, plus the tag folder-backup=ID so a second import skips it.
ImportResult import_folder(const ImportOptions& options);

// `restic check` with a sampled read, then the newest snapshot of every source is restored into a
// throwaway folder: sizes and sha256 against its manifest, archives read back, PostgreSQL dumps restored
// into a scratch database with the manifest's row counts. Passing snapshots get the tag "verified"
// (removed from that source's older snapshots, so forget's --keep-tag verified keeps the newest one).
RepoVerifyResult verify_repository(const RepoVerifyOptions& options);

// verify_repository for each repository (their own textfile ignored), then one textfile holding every
// repository's metrics (label target), so a job over several repositories loses none of them.
std::vector<RepoVerifyResult> verify_repositories(const std::vector<RepoVerifyOptions>& each,
                                                  const std::optional<std::filesystem::path>& textfile);

// `restic forget --prune` with the policy per source group, keeping the newest verified snapshot.
ResticForget forget_repository(const Repository& repo, const std::string& estate,
                               const model::RetentionPolicy& policy, bool dry_run);

// The manifest stored in a restored snapshot folder (the folder holding manifest.json).
std::optional<std::filesystem::path> find_manifest_folder(const std::filesystem::path& restored);

}  // namespace rehome::backup
