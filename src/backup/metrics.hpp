#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehome::backup {

// Metrics for node_exporter's textfile collector. The names are the contract with the alert rules
// `rehome generate` writes (src/generate/monitoring.cpp): BackupStale (time() -
// backup_last_success_timestamp > 26h), BackupFailed (backup_last_exit_code != 0), BackupEmpty
// (backup_bytes == 0), BackupMetricsMissing (absent(backup_last_success_timestamp)), GitMirrorSyncStale
// (time() - git_mirror_last_sync_timestamp > 2h). Their messages use the `target` label.
struct BackupMetrics {
  std::map<std::string, std::string> labels;  // e.g. {estate: wizardsofts, dest: /srv/backups}
  std::optional<std::int64_t>
      last_success_time;             // unix seconds of the newest verified backup; none yet = absent
  int last_exit_code = 0;            // of this verify run
  std::int64_t bytes = 0;            // size of the newest backup
  std::int64_t last_check_time = 0;  // when this verify ran
};
std::string render_backup_metrics(const BackupMetrics& m);
// Several targets (one verify over every repository) in one textfile: each family's HELP/TYPE once.
std::string render_backup_metrics(const std::vector<BackupMetrics>& targets);

struct MirrorSync {
  std::string repository;
  std::optional<std::int64_t> last_sync_time;  // absent when it never synced
  bool ok = false;                             // this run succeeded
};
std::string render_mirror_metrics(const std::vector<MirrorSync>& repos, const std::string& remote);

// Prometheus label value escaping (backslash, quote, newline).
std::string escape_label(const std::string& value);

}  // namespace rehome::backup
