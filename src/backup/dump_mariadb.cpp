// A MariaDB (or MySQL) database streamed into restic with row counts and CHECKSUM TABLE values taken in
// the very snapshot the dump reads.
//
// How the two snapshots are made equal: mariadb-dump --single-transaction reads in its own REPEATABLE
// READ snapshot (START TRANSACTION WITH CONSISTENT SNAPSHOT) and cannot be handed another one. So rehome's
// own connection takes FLUSH TABLES WITH READ LOCK (no commit can happen anywhere), opens its snapshot,
// starts mariadb-dump and keeps the lock until the dump has opened its snapshot too: mariadb-dump writes
// "-- Table structure for table" (or "-- Dump completed" for a database without tables) only after
// START TRANSACTION, and runs line-buffered (stdbuf -oL) so that line reaches rehome at once. Both
// snapshots were opened with no commit between them: they are the same. Then UNLOCK TABLES (it ends the
// global lock without committing) and the dump streams; once it is complete the counts and checksums
// are taken in rehome's still-open snapshot (InnoDB's CHECKSUM TABLE is a consistent read). Writers
// wait only for the dump's start-up (measured in the manifest's progress line). With a binary log the
// snapshot's position (binlog_snapshot_file/position) is recorded in the manifest.
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/mariadb_client.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "engines/mariadb_connection.hpp"

namespace rehome::backup {

MariadbStreamed stream_mariadb(const std::string& url, const std::vector<Restic>& repos,
                               const std::vector<std::string>& tags, Manifest head) {
  auto dump = require_program("mariadb-dump", "mariadb-client");
  auto stdbuf = require_program("stdbuf", "coreutils");
  auto endpoint = engines::parse_mariadb_url(url, "--url");
  if (endpoint.database.empty())
    throw UserError(fmt::format("{}: name the database to dump", endpoint.masked),
                    "write mariadb://user@host:3306/db (a URL without one means every database)");
  Artefact a;
  a.kind = "mariadb";
  a.source = endpoint.masked;
  a.database = endpoint.database;
  a.name = safe_name(fmt::format("mariadb-{}-{}-{}.sql", endpoint.host, endpoint.port, endpoint.database));
  a.time = static_cast<std::int64_t>(std::time(nullptr));
  head.time = a.time;
  head.id = backup_id_for(a.time);

  engines::MariadbConnection session(endpoint, "source");
  session.exec("SET SESSION lock_wait_timeout = 60");
  try {
    session.exec("FLUSH TABLES WITH READ LOCK");
  } catch (const UserError& e) {
    throw UserError(fmt::format("{}: FLUSH TABLES WITH READ LOCK failed: {}", endpoint.masked, e.what()),
                    "the backup user needs the RELOAD privilege (GRANT RELOAD ON *.* TO ...), and no "
                    "statement may hold a table for more than 60 s while the backup starts");
  }
  auto locked_at = std::chrono::steady_clock::now();
  session.exec("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  session.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT");
  std::string file, position;
  for (const auto& row : session.query("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
    if (!row[0] || !row[1]) continue;
    if (*row[0] == "Binlog_snapshot_file") file = *row[1];
    if (*row[0] == "Binlog_snapshot_position") position = *row[1];
  }
  if (!file.empty()) a.binlog_position = file + ":" + position;

  MariadbStreamed out;
  bool locked = true;
  auto unlock = [&]() {
    if (!locked) return;
    session.exec("UNLOCK TABLES");  // ends the global read lock, not the transaction
    locked = false;
    out.lock_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - locked_at)
            .count();
  };
  ClientOptionFile options(endpoint);
  std::vector<std::string> argv = {
      stdbuf.string(), "-oL",        dump.string(), options.flag(),     "--single-transaction", "--quick",
      "--hex-blob",    "--routines", "--triggers",  "--no-tablespaces", endpoint.database};
  std::string tail;  // the last bytes seen, for a marker split across two reads
  try {
    out.streamed = stream_into(
        [&](const ByteSink& sink) {
          run_producer(argv, {}, [&](const char* data, size_t n) {
            if (locked) {
              tail.append(data, n);
              if (tail.find("\n-- Table structure for table ") != std::string::npos ||
                  tail.find("\n-- Dump completed") != std::string::npos)
                unlock();
              else if (tail.size() > 256)
                tail.erase(0, tail.size() - 256);
            }
            sink(data, n);
          });
          unlock();  // a dump without comments or tables: it is complete, so its snapshot was taken
          mariadb_counts(session, endpoint.database, a.row_counts, a.checksums);
        },
        a.name, repos, tags, manifest_sealing(a, head));
  } catch (const UserError& e) {
    throw UserError(fmt::format("{} of {}", e.what(), a.source), e.hint());
  }
  session.exec("COMMIT");
  out.artefact = a;
  return out;
}

}  // namespace rehome::backup
