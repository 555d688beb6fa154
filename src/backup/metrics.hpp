#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehome::backup {

// Metrics for node_exporter's textfile collector. The names are the contract with the generated alert
// rules (BackupTooOld: time() - backup_last_success_timestamp > 26h; BackupFailed: backup_last_exit_code
// != 0; GitMirrorStale: time() - git_mirror_last_sync_timestamp > 26h).
struct BackupMetrics {
  std::map<std::string, std::string> labels;  // e.g. {estate: wizardsofts, dest: /srv/backups}
  std::optional<std::int64_t>
      last_success_time;             // unix seconds of the newest verified backup; none yet = absent
  int last_exit_code = 0;            // of this verify run
  std::int64_t bytes = 0;            // size of the newest backup
  std::int64_t last_check_time = 0;  // when this verify ran
};
std::string render_backup_metrics(const BackupMetrics& m);

struct MirrorSync {
  std::string repository;
  std::optional<std::int64_t> last_sync_time;  // absent when it never synced
  bool ok = false;                             // this run succeeded
};
std::string render_mirror_metrics(const std::vector<MirrorSync>& repos, const std::string& remote);

// Prometheus label value escaping (backslash, quote, newline).
std::string escape_label(const std::string& value);

}  // namespace rehome::backup
