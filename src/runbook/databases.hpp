#pragma once
#include <string>
#include <vector>

#include "model/estate.hpp"
#include "plan/plan.hpp"
#include "runbook/runbook.hpp"

namespace rehome::runbook {

// One database to move: a database inside a postgres service, or a whole redis.
// URLs are shell text: credentials are variables from the credentials file, and the host and port
// default to the estate's but may be overridden there too (tunnels, or a test on loopback):
//   postgres://${GIBD_POSTGRES_USER:-postgres}${GIBD_POSTGRES_PASSWORD:+:$GIBD_POSTGRES_PASSWORD}@${GIBD_POSTGRES_OLD_HOST:-10.0.0.84}:...
struct DatabaseMove {
  std::string service;
  std::string engine;    // postgres | redis
  std::string database;  // postgres database name; empty for redis
  std::string from_url;  // the old server
  std::string to_url;    // the new server (the plan's first replica), on its runner port (reach.hpp)
  std::string to_server;
  std::string from_cli, to_cli;  // redis: `redis-cli` with host, port and REDISCLI_AUTH (no -u: redis-cli
                                 // 7.0 mis-parses redis://:password@host), so no password in argv

  std::string slug() const;  // "gibd-postgres.gibd" or "gibd-redis"
};

// The databases rehome can move (postgres and redis), in estate order. Other engines are listed by
// unsupported_databases() so the runbook can say they need a manual step.
std::vector<DatabaseMove> database_moves(const model::Estate& estate, const plan::Plan& plan,
                                         const model::Server& old_server);
std::vector<std::string> unsupported_databases(const model::Estate& estate);

// The variables the credentials file must (or may) define for a service.
std::vector<std::string> credential_variables(const model::Estate& estate);

// Dump + sha256 of one database into <workdir>/backups/<slug><suffix>.
Step backup_step(const DatabaseMove& move, int phase, const std::string& suffix,
                 const RunbookOptions& options);
// Connect with the credentials to the old (or new) side.
Step credentials_step(const DatabaseMove& move, int phase, bool new_side);
// Copy with `rehome migrate`, verified by comparing content checksums computed on both sides.
Step migrate_step(const DatabaseMove& move, int phase, const RunbookOptions& options);

}  // namespace rehome::runbook
