#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backup/run.hpp"

namespace rehome::backup {

// PostgreSQL streaming replication: setup on the primary and a base backup for the replica, status from
// both sides, promotion with fencing.

struct ReplicaSetupOptions {
  std::string primary_url;            // a superuser connection to the primary
  std::filesystem::path replica_dir;  // empty or absent: pg_basebackup writes the replica's data folder here
  std::string role = "replicator";
  std::string password;  // replication role's password (never printed)
  std::string slot = "rehome_replica";
  std::string allow_from = "127.0.0.1/32";  // address range of the replica, for the pg_hba line
  Progress progress = [](const std::string&) {};
};

struct ReplicaSetupResult {
  std::string hba_line;  // "host replication replicator 10.0.0.81/32 scram-sha-256"
  bool hba_added =
      false;  // false: it was there already, or the file is not on this machine (printed instead)
  bool slot_created = false;
  std::string start_hint;  // how to start the replica
};

ReplicaSetupResult setup_replica(const ReplicaSetupOptions& options);

struct ReplicationPeer {  // one row of pg_stat_replication on the primary
  std::string application_name, client_addr, state, sync_state;
  std::int64_t lag_bytes = 0;         // primary's current LSN - replica's replay LSN
  std::optional<double> lag_seconds;  // replay_lag (absent when idle)
};

struct ReplicaStatus {
  std::vector<ReplicationPeer> peers;          // from the primary (when given)
  std::vector<std::string> slots;              // "rehome_replica active, 0 bytes retained"
  std::optional<bool> in_recovery;             // from the replica (when given): true = still a replica
  std::optional<double> replay_delay_seconds;  // now() - pg_last_xact_replay_timestamp() on the replica
  std::string replica_replay_lsn;
};

ReplicaStatus replica_status(const std::optional<std::string>& primary_url,
                             const std::optional<std::string>& replica_url);

struct PromoteResult {
  int timeline = 0;  // new timeline of the promoted server
  bool forced = false;
};

// Refuses (UserError, exit 1) while `old_primary_url` still answers, unless `force`: two writable
// primaries split the data (fencing). Then pg_promote() and reads the new timeline.
PromoteResult promote_replica(const std::string& replica_url,
                              const std::optional<std::string>& old_primary_url, bool force);

}  // namespace rehome::backup
