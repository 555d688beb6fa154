#pragma once
// What `backup audit` can see of the declared targets: each opened as a restic repository.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/audit.hpp"
#include "backup/restic.hpp"
#include "backup/run.hpp"
#include "model/estate.hpp"

namespace rehome::backup {

// The restic location of a declared target as any machine reaches it (target_location.hpp's parser):
// "/srv/backups" as it is, "sftp:..."/"rest:..." (and restic's other backends) as they are,
// "user@host:/path" or "host:/path" -> "sftp:user@host:/path". nullopt for anything restic cannot open
// ("s3://bucket" is not restic's syntax: "s3:https://...").
std::optional<std::string> restic_location(const std::string& location);

struct SurveyOptions {
  std::string estate;                                  // only this estate's snapshots ("" = every one)
  std::optional<std::filesystem::path> password_file;  // else RESTIC_PASSWORD[_FILE] from the environment
  std::optional<std::filesystem::path> cache_dir;
  std::vector<std::string> restic_options;  // restic -o key=value for every repository (sftp.command=...)
  std::int64_t now = 0;                     // 0 = the clock
  std::int64_t max_age_seconds = 26 * 3600;
  std::chrono::seconds timeout{60};  // a target that does not answer within it is unreachable
  // The machine the audit runs on: a user-less "host:/path" target on it is opened as its folder, as
  // the scheduled job placed there writes it (TargetLocation::repository_from). Default: hostname().
  std::string machine = hostname();
};

// Opens every declared target with restic (cat config, then snapshots of the estate) and records what
// answered and which services' snapshots a restore test proved. Never throws for a target: its state
// and restic's reason are recorded instead.
Survey survey_targets(const std::vector<model::BackupTarget>& targets, const SurveyOptions& options);

}  // namespace rehome::backup
