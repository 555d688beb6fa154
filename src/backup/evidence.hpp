#pragma once
// The backup run's evidence, as `rehome backup run --json` prints it: a run into restic repositories
// (kind rehome.backup.restic). `rehome report` reads it back from the evidence folder.
#include <nlohmann/json.hpp>

#include "backup/repository.hpp"
#include "backup/run.hpp"

namespace rehome::backup {

inline constexpr const char* kResticBackupKind = "rehome.backup.restic";
inline constexpr int kBackupFormat = 1;

nlohmann::json to_json(const RepoRunResult& result);
RepoRunResult repo_run_from_json(const nlohmann::json& j);  // UserError / json::exception if malformed
nlohmann::json to_json(const StoredSnapshot& stored);       // one snapshot of a run or an import

}  // namespace rehome::backup
