#pragma once
#include <map>
#include <string>

#include "model/estate.hpp"

namespace rehome::backup {

struct ScheduleOptions {
  std::string schedule = "03:00";  // "HH:MM" daily, or (systemd only) any OnCalendar= expression
  std::string estate_file;         // path of estate.yaml where the job runs (empty: rehome's built-in)
  std::string estate_name;
  // The restic repositories the job backs up to, verifies and prunes: every declared target, local and
  // off-site (password: RESTIC_PASSWORD[_FILE] from the EnvironmentFile / Swarm secret).
  std::vector<std::string> repositories;
  std::string textfile = "/var/lib/node_exporter/textfile/rehome_backup.prom";
  // scratch PostgreSQL / throwaway MariaDB servers for the restore test; none = checksum-only verify
  std::vector<std::string> restore_urls;
  model::RetentionPolicy retention;
  std::string rehome_path = "/usr/local/bin/rehome";
  std::string image = "rehome:0.1.0";  // swarm: an image with rehome and the PostgreSQL/Redis clients
  std::string server;                  // swarm: node that holds the backup disk (node.hostname)
  bool mirror = false;                 // systemd: also an hourly Git mirror job (the estate has git_mirrors)
  bool docker_volumes = false;         // swarm: named volumes are read through the engine (socket mounted)
  std::string forge;                   // base URL of the forge, for repository names
  std::string mirror_textfile = "/var/lib/node_exporter/textfile/rehome_mirror.prom";
};

// Every target becomes a restic repository, read by target_location.hpp's parser (the one `backup audit`
// uses): "/srv/backups" as it is, "user@host:/path" -> "sftp:user@host:/path", "sftp:..."/"rest:..." as
// they are. The job is placed on `server` (--server, else the host of the first user-less local target,
// "hppavilion:/mnt/data/backups"); a user-less "host:/path" on that server is its folder there, on any
// other host it is "sftp:host:/path". A location restic cannot open throws UserError naming the target.
void apply_targets(ScheduleOptions& o, const model::BackupSettings& settings);

// "03:00" -> {3, 0}; throws UserError naming the value when it is not HH:MM.
std::pair<int, int> parse_daily_time(const std::string& schedule);

// file name -> content. systemd: rehome-backup.service + rehome-backup.timer (run, verify, prune in one
// oneshot unit; secrets come from EnvironmentFile=, never from the unit), plus rehome-mirror.service +
// rehome-mirror.timer (hourly: the GitMirrorSyncStale alert fires after 2 h) when `mirror`.
// swarm: rehome-backup-stack.yml.
std::map<std::string, std::string> render_systemd(const ScheduleOptions& o);
std::map<std::string, std::string> render_swarm(const ScheduleOptions& o);

// The three command lines the job runs, without the program name; shared by both renderings.
std::vector<std::vector<std::string>> job_commands(const ScheduleOptions& o);

}  // namespace rehome::backup
