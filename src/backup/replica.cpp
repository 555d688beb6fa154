#include "backup/replica.hpp"

#include <cctype>
#include <fstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "engines/postgres.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

std::string literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_'))
      return false;
  return true;
}

// Adds the line to pg_hba.conf when that file is on this machine; true when added.
bool ensure_hba_line(engines::PgConnection& primary, const std::string& line) {
  fs::path hba = primary.scalar("SHOW hba_file");
  std::error_code ec;
  if (!fs::is_regular_file(hba, ec)) return false;
  std::ifstream in(hba);
  std::string existing;
  while (std::getline(in, existing))
    if (existing == line) return false;
  std::ofstream out(hba, std::ios::app);
  if (!out) return false;
  out << "# added by rehome replica setup\n" << line << "\n";
  out.close();
  if (!out) return false;
  primary.exec("SELECT pg_reload_conf()");
  return true;
}

}  // namespace

ReplicaSetupResult setup_replica(const ReplicaSetupOptions& o) {
  if (!is_identifier(o.role) || !is_identifier(o.slot))
    throw UserError(
        fmt::format("role \"{}\" and slot \"{}\" must be lower-case letters, digits and _", o.role, o.slot),
        "pick plain names such as replicator and rehome_replica");
  if (o.password.empty())
    throw UserError("the replication role needs a password",
                    "set REHOME_REPLICATION_PASSWORD (never on the command line)");
  std::error_code ec;
  if (fs::exists(o.replica_dir, ec) && !fs::is_empty(o.replica_dir, ec))
    throw UserError(
        fmt::format("replica folder {} is not empty", o.replica_dir.string()),
        "give an empty or new folder: pg_basebackup writes the replica's whole data folder there");
  auto pg_basebackup = require_program("pg_basebackup", "postgresql-client-15");

  ReplicaSetupResult result;
  auto primary_endpoint = engines::parse_pg_url(o.primary_url, "--primary", engines::PgDatabase::optional);
  engines::PgConnection primary(primary_endpoint);
  if (primary.scalar("SELECT pg_is_in_recovery()") == "t")
    throw UserError(fmt::format("{} is itself a replica", primary.masked_url()), "give the primary's URL");
  auto wal_level = primary.scalar("SHOW wal_level");
  if (wal_level != "replica" && wal_level != "logical")
    throw UserError(fmt::format("{} has wal_level={}, streaming replication needs replica",
                                primary.masked_url(), wal_level),
                    "set wal_level = replica in postgresql.conf and restart the primary");

  bool exists = primary.scalar("SELECT count(*) FROM pg_roles WHERE rolname = $1", {o.role}) != "0";
  // DDL takes no parameters: the password is quoted as a literal and this statement is never printed.
  primary.exec(fmt::format("{} ROLE {} WITH REPLICATION LOGIN PASSWORD {}", exists ? "ALTER" : "CREATE",
                           engines::quote_ident(o.role), literal(o.password)));
  o.progress(fmt::format("{} replication role {} on {}", exists ? "updated" : "created", o.role,
                         primary.masked_url()));

  result.hba_line = fmt::format("host replication {} {} scram-sha-256", o.role, o.allow_from);
  result.hba_added = ensure_hba_line(primary, result.hba_line);
  o.progress(result.hba_added ? fmt::format("added to pg_hba.conf and reloaded: {}", result.hba_line)
                              : fmt::format("pg_hba.conf must contain (add it on the primary if missing): {}",
                                            result.hba_line));

  if (primary.scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", {o.slot}) == "0") {
    primary.query("SELECT pg_create_physical_replication_slot($1)", {o.slot});
    result.slot_created = true;
  }
  o.progress(
      fmt::format("replication slot {} {}", o.slot, result.slot_created ? "created" : "already there"));

  std::string host = primary_endpoint.host.empty() ? "127.0.0.1" : primary_endpoint.host;
  std::string port = primary_endpoint.port.empty() ? "5432" : primary_endpoint.port;
  ProcessOptions opts;
  opts.env["PGPASSWORD"] = o.password;
  o.progress(fmt::format("pg_basebackup from {}:{} into {} ...", host, port, o.replica_dir.string()));
  auto res =
      run_process({pg_basebackup.string(), fmt::format("--pgdata={}", o.replica_dir.string()),
                   "--write-recovery-conf", "--wal-method=stream", "--slot=" + o.slot, "--checkpoint=fast",
                   "--no-password", "--host=" + host, "--port=" + port, "--username=" + o.role},
                  opts);
  if (!res.ok()) {
    std::string why = mask_secrets(res.err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    fs::remove_all(o.replica_dir, ec);  // a half base backup must not be started as a replica
    throw UserError(fmt::format("pg_basebackup from {}:{} failed: {}", host, port, why),
                    why.find("pg_hba") != std::string::npos
                        ? "add the pg_hba.conf line above on the primary and reload it"
                        : "check the replica folder's free space and the primary's max_wal_senders");
  }
  result.start_hint = fmt::format(
      "start the replica: chown -R postgres: {0} && chmod 700 {0} && "
      "runuser -u postgres -- pg_ctl -D {0} -o '-p <port>' start   (it streams from slot {1})",
      o.replica_dir.string(), o.slot);
  return result;
}

ReplicaStatus replica_status(const std::optional<std::string>& primary_url,
                             const std::optional<std::string>& replica_url) {
  if (!primary_url && !replica_url)
    throw UserError("replica status needs --primary, --replica or both", "give the connection URLs");
  ReplicaStatus st;
  if (primary_url) {
    engines::PgConnection p(engines::parse_pg_url(*primary_url, "--primary", engines::PgDatabase::optional));
    for (const auto& row :
         p.text_rows("SELECT application_name, coalesce(client_addr::text, 'local'), state, sync_state, "
                     "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint, "
                     "extract(epoch FROM replay_lag) FROM pg_stat_replication ORDER BY 1")) {
      ReplicationPeer peer{row[0], row[1], row[2], row[3], std::stoll(row[4]), std::nullopt};
      if (!row[5].empty()) peer.lag_seconds = std::stod(row[5]);
      st.peers.push_back(peer);
    }
    for (const auto& row :
         p.text_rows("SELECT slot_name, active, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), "
                     "restart_lsn), 0)::bigint "
                     "FROM pg_replication_slots ORDER BY 1"))
      st.slots.push_back(fmt::format("{} {}, {} bytes of WAL retained", row[0],
                                     row[1] == "t" ? "active" : "INACTIVE", row[2]));
  }
  if (replica_url) {
    engines::PgConnection r(engines::parse_pg_url(*replica_url, "--replica", engines::PgDatabase::optional));
    auto row = r.text_rows(
        "SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, ''), "
        "extract(epoch FROM now() - pg_last_xact_replay_timestamp())")[0];
    st.in_recovery = row[0] == "t";
    st.replica_replay_lsn = row[1];
    if (!row[2].empty()) st.replay_delay_seconds = std::stod(row[2]);
  }
  return st;
}

PromoteResult promote_replica(const std::string& replica_url,
                              const std::optional<std::string>& old_primary_url, bool force) {
  PromoteResult result;
  auto old_primary = old_primary_url ? std::optional(engines::parse_pg_url(*old_primary_url, "--old-primary",
                                                                           engines::PgDatabase::optional))
                                     : std::nullopt;
  if (old_primary && engines::pg_answers(*old_primary)) {
    if (!force)
      throw UserError(
          fmt::format("the old primary {} still answers: promoting now would make two writable primaries",
                      old_primary->masked),
          "stop it first (fencing: docker service scale ...=0, power it off), or pass --force if you are "
          "sure nothing writes to it any more",
          exit_code::findings);
    result.forced = true;
  }
  engines::PgConnection replica(
      engines::parse_pg_url(replica_url, "--replica", engines::PgDatabase::optional));
  if (replica.scalar("SELECT pg_is_in_recovery()") != "t")
    throw UserError(fmt::format("{} is not a replica (already a primary)", replica.masked_url()),
                    "nothing to promote");
  if (replica.scalar("SELECT pg_promote(true, 60)") != "t")
    throw UserError(fmt::format("{} did not finish promotion within 60 s", replica.masked_url()),
                    "look at the server log; run replica status again");
  // The timeline is the first 8 hex digits of the current WAL file's name.
  auto wal = replica.scalar("SELECT pg_walfile_name(pg_current_wal_lsn())");
  result.timeline = static_cast<int>(std::stol(wal.substr(0, 8), nullptr, 16));
  return result;
}

}  // namespace rehome::backup
