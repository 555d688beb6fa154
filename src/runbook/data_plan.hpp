#pragma once
// The data plan: every piece of data the estate holds, which mover carries it and how, decided once.
// The runbook's phases 0 and 3 (and so `rehome migrate run`) and `rehome move` read this list; none
// of them decides again which data moves how.
//
//   postgres, redis, mariadb/mysql   native: the engine's own mover (`rehome migrate <engine>`)
//   named volumes, bind data         volume: `rehome migrate volume`, the old host's engine to the
//                                    target server's, the service running (its writers are stopped
//                                    by the cutover: an incremental pass then)
//   other database engines           cold: the same volume copy with the service stopped on both
//   (influxdb, mongo, ...)           sides first (no native mover), verified by the manifest
//   streaming replicas, shared       none: rebuilt from the primary, or the same storage mounted
//   storage, unplaced services
#include <string>
#include <vector>

#include "runbook/phases.hpp"

namespace rehome::runbook {

enum class DataMethod { native, volume, cold, none };

// One piece of data to move. URLs and engines are shell text: credentials and endpoints are variables
// from the credentials file with the estate's defaults, so no secret is written down:
//   postgres://${GIBD_POSTGRES_USER:-postgres}${GIBD_POSTGRES_PASSWORD:+:$GIBD_POSTGRES_PASSWORD}@...
//   volume: from_url "<engine> <volume or /bind/path>", e.g. "${OLD_DOCKER_HOST:-unix:///var/run/docker.sock}
//   appwrite-data", to_url the target server's engine and the volume `docker stack deploy` creates.
struct DataItem {
  std::string service;   // the estate's service
  std::string engine;    // the mover: postgres | redis | mariadb | volume (none: the estate's engine)
  std::string database;  // postgres database; empty for redis and mariadb (every user database);
                         // the volume's name, or the bind folder's path
  std::string to_server;
  std::string from_url, to_url;
  DataMethod method = DataMethod::native;
  std::string source_engine;     // the estate's engine of the service (influxdb for a cold copy), or ""
  std::string from_cli, to_cli;  // redis-cli / mariadb client on each side, password from the environment
                                 // (REDISCLI_AUTH, MYSQL_PWD), never in argv
  std::string note;              // why a `none` item is not copied, or why a copy is cold

  std::string slug() const;  // "gibd-postgres.gibd", "gibd-redis", "volume.app-data", "bind.srv-backups"
  bool bind() const { return engine == "volume" && !database.empty() && database.front() == '/'; }
};

// A volume item's two ends (from_url/to_url split): engine and either a volume or a bind path.
struct VolumeEnds {
  std::string from_engine, from_volume, from_path;
  std::string to_engine, to_volume, to_path;
};
VolumeEnds volume_ends(const DataItem& item);
// The words of `rehome migrate volume` naming both ends: NAME --from-engine E --to-engine E --to-volume V
// (a bind: --from-path P --to-path P); engines in double quotes, so their ${...} expand.
std::string volume_mover_words(const DataItem& item);

// Every data item of the estate, in estate order (a service's items together), `none` ones included.
// UserError when the plan places no replica of a database a native mover carries.
std::vector<DataItem> data_plan(const Context& c);
// The items a mover copies (method != none).
std::vector<DataItem> moved_data(const Context& c);

// The Docker engine of a server as the volume mover reaches it: --engine SERVER=URL when given (the old
// server as the source: --old-engine), else ${<SERVER>_DOCKER_HOST:-default}: the local socket where
// rehome runs (the old server, unless --runner-address says otherwise), ssh://<address> elsewhere (the
// mover then says how to forward that engine's socket). `target`: the server receives the volume; the
// old server kept in the cluster is then reached by its --engine first (its new engine), --old-engine
// being its compose engine, the source.
std::string engine_endpoint(const Context& c, const model::Server& server, bool target = false);

// The copy options a mover takes, as flags after its URLs: --jobs for the parallel movers (postgres,
// mariadb), the verify mode in each mover's words (postgres --verify MODE; mariadb --verify
// checksum|none; volume --rehash for readback). Redis has neither.
std::string copy_flags(const DataItem& item, const CopyOptions& copy);

// A mover's command line without a password in argv (where `ps` shows it): the mariadb mover reads it
// from MYSQL_PWD, so its URLs lose ${X_PASSWORD:+:$X_PASSWORD} and `rehome` becomes
// MYSQL_PWD="${X_PASSWORD}" rehome; other engines' URLs and `rehome` as they are.
struct MoverArgv {
  std::string rehome, from, to;
};
MoverArgv mover_argv(const DataItem& item, const std::string& rehome);
// `PGPASSWORD="${X_PASSWORD}" ` (REDISCLI_AUTH, MYSQL_PWD): the prefix that gives a command the item's
// password in its environment; and a URL of the item with its password part taken out.
std::string password_env(const DataItem& item);
std::string without_password(const DataItem& item, std::string url);

// The variables the credentials file must (or may) define for the estate's databases.
std::vector<std::string> credential_variables(const model::Estate& estate);

}  // namespace rehome::runbook
