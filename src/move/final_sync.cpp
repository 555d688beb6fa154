// The movers' passes, called in process (the seams of final_sync.hpp).
#include "move/final_sync.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "common/error.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"
#include "migrate/postgres/migration.hpp"
#include "migrate/redis/migration.hpp"
#include "migrate/volume/volume_migration.hpp"
#include "move/data_commands.hpp"

namespace rehome::move {
namespace {

std::filesystem::path state_file(const MoveOptions& o, const DataItem& d, const std::string& pass) {
  std::filesystem::path p = mover_state_file(o, d, pass);
  std::filesystem::create_directories(p.parent_path());
  return p;
}

PassResult postgres(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                    bool truncate) {
  migrate::PgMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.jobs = o.jobs;
  m.truncate = truncate;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_postgres(m);
  return {r.verified(), r.problems(),
          fmt::format("{} rows, {} tables, proof {}{}", r.rows_copied, r.tables.size(),
                      r.content_proven ? "checksums" : "row counts",
                      r.already_complete ? " (verified again)" : ""),
          r.total_seconds};
}

PassResult mariadb(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                   bool truncate, bool verify_only) {
  migrate::MariadbMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.jobs = o.jobs;
  m.truncate = truncate;
  m.verify_only = verify_only;
  m.work_dir = o.work_dir;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_mariadb(m);
  return {r.verified(), r.problems(),
          fmt::format("{} rows in {} tables, binlog {}", r.rows_copied, r.tables.size(), r.binlog_position),
          r.total_seconds};
}

PassResult redis(const MoveOptions& o, const DataItem& d, const runbook::Env& env, const std::string& pass,
                 bool truncate) {
  migrate::RedisMigrationOptions m;
  m.from = expand_variables(d.from_url, env);
  m.to = expand_variables(d.to_url, env);
  m.truncate = truncate;
  m.state_file = state_file(o, d, pass);
  auto r = migrate::migrate_redis(m);
  return {r.verified(), r.problems(), fmt::format("{} keys", r.keys_copied), r.seconds};
}

PassResult volume(const MoveOptions& o, const DataItem& d, const std::string& pass) {
  auto split = [](const std::string& s) {
    auto sp = s.find(' ');
    return std::pair{s.substr(0, sp), s.substr(sp + 1)};
  };
  migrate::volume::VolumeMigrationOptions m;
  std::tie(m.from.engine, m.from.volume) = split(d.from_url);
  std::tie(m.to.engine, m.to.volume) = split(d.to_url);
  m.state_file = state_file(o, d, pass);
  auto r = migrate::volume::migrate_volume(m);
  std::vector<std::string> problems;
  for (const auto& x : r.mismatches) problems.push_back(x.path + ": " + x.what);
  return {r.verified(), problems,
          fmt::format("pass {}: {} files, {} bytes sent, {} files on the target", r.pass, r.sent_files,
                      r.sent_bytes, r.target.files),
          r.seconds};
}

}  // namespace

std::string final_sync_method(const std::string& engine) {
  if (engine == "volume") return "the volume mover's incremental pass (only files changed since the copy)";
  if (engine == "postgres")
    return "a whole verified pass for now (the logical-replication catch-up will replace it: "
           "final_sync_postgres)";
  if (engine == "mariadb")
    return "a whole verified pass (the binlog catch-up would replace it: final_sync_mariadb)";
  return "a whole pass, every key compared";
}

PassResult copy_pass(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  if (d.engine == "postgres") return postgres(o, d, env, "copy", false);
  if (d.engine == "mariadb") return mariadb(o, d, env, "copy", false, false);
  if (d.engine == "redis") return redis(o, d, env, "copy", false);
  return volume(o, d, "copy");
}

PassResult final_sync_postgres(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  return postgres(o, d, env, "final-sync", true);
}
PassResult final_sync_mariadb(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  return mariadb(o, d, env, "final-sync", true, false);
}
PassResult final_sync_redis(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  return redis(o, d, env, "final-sync", true);
}
PassResult final_sync_volume(const MoveOptions& o, const DataItem& d, const runbook::Env&) {
  return volume(o, d, "final-sync");
}

PassResult verify_pass(const MoveOptions& o, const DataItem& d, const runbook::Env& env) {
  // Postgres and redis: the final sync's state again (done: verified once more, nothing copied);
  // mariadb: key ranges compared, nothing written; a volume: another pass, manifests compared.
  if (d.engine == "postgres") return postgres(o, d, env, "final-sync", false);
  if (d.engine == "mariadb") return mariadb(o, d, env, "verify", false, true);
  if (d.engine == "redis") return redis(o, d, env, "final-sync", false);
  return volume(o, d, "verify");
}

PassResult LibraryMovers::run(const DataItem& d, const std::string& pass) {
  if (pass == "copy") return copy_pass(options_, d, env_);
  if (pass == "verify") return verify_pass(options_, d, env_);
  if (pass != "final-sync") throw std::logic_error("unknown mover pass " + pass);
  if (d.engine == "postgres") return final_sync_postgres(options_, d, env_);
  if (d.engine == "mariadb") return final_sync_mariadb(options_, d, env_);
  if (d.engine == "redis") return final_sync_redis(options_, d, env_);
  return final_sync_volume(options_, d, env_);
}

}  // namespace rehome::move
