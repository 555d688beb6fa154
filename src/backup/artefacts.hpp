#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backup/manifest.hpp"
#include "backup/run.hpp"
#include "backup/stream.hpp"

namespace rehome::engines {
class PgConnection;
}

namespace rehome::backup {

// Each producer writes "<folder>/<name>.partial", hashes it and renames it to "<folder>/<name>" only
// when complete; on any failure the partial file is removed and a UserError names the source.

// `pg_dump -Fc` of one database, plus exact row counts per table taken in the same snapshot
// (pg_export_snapshot + pg_dump --snapshot) so a restore can be compared with them.
Artefact dump_postgres(const std::string& url, const std::filesystem::path& folder);

// The same dump streamed into `restic backup --stdin` of every repository (stream.hpp), never written to
// disk; `head` (estate, host) becomes the manifest stored in the same snapshot with the artefact's size,
// sha256 and row counts.
std::pair<Artefact, StreamedDump> stream_postgres(const std::string& url, const std::vector<Restic>& repos,
                                                  const std::vector<std::string>& tags, Manifest head);

// The manifest callback of a streamed artefact (stream_into's last argument): records the stream's size
// and sha256 in `a` (then `finish(a)`, e.g. the files a volume's tar held) and returns the manifest of
// `head` holding just `a`. `a` and `head` must outlive the stream.
std::function<std::string(std::int64_t, const std::string&)> manifest_sealing(
    Artefact& a, Manifest& head, std::function<void(Artefact&)> finish = {});

struct MariadbStreamed {
  Artefact artefact;
  StreamedDump streamed;
  std::int64_t lock_ms =
      0;  // how long writers waited (FLUSH TABLES WITH READ LOCK until the dump's snapshot)
};
// `mariadb-dump --single-transaction` of one database streamed like stream_postgres, its row counts and
// CHECKSUM TABLE values taken in the dump's own snapshot (dump_mariadb.cpp says how); credentials through
// a 0600 option file (--defaults-extra-file), never argv.
MariadbStreamed stream_mariadb(const std::string& url, const std::vector<Restic>& repos,
                               const std::vector<std::string>& tags, Manifest head);

struct VolumeStreamed {
  Artefact artefact;  // files: every entry's sha256 (volume_tar.hpp)
  StreamedDump streamed;
};
// A volume (a folder, or with source.engine a named volume read through that Docker engine) streamed
// into restic as a plain tar with its per-file manifest (stream_volume.cpp).
VolumeStreamed stream_volume(const Source& source, const std::vector<Restic>& repos,
                             const std::vector<std::string>& tags, Manifest head);

// BGSAVE, wait until LASTSAVE moves, copy the RDB from CONFIG GET dir/dbfilename. When that file is
// not reachable from here (Redis on another machine), fetches it with `redis-cli --rdb` instead.
Artefact snapshot_redis(const std::string& url, const std::filesystem::path& folder);

// A gzip-compressed tarball of a folder (a volume's data).
Artefact archive_volume(const std::filesystem::path& dir, const std::filesystem::path& folder);

// Exact row counts per user table ("schema.table") as the session sees them.
std::map<std::string, std::int64_t> count_rows(engines::PgConnection& session);

// User databases of a PostgreSQL server (not templates, not "postgres").
std::vector<std::string> list_databases(const std::string& server_url);

// Hashes a finished temp file and renames it into place; fills size, sha256 and time.
// "postgres-127.0.0.1-5432-app": a file-name-safe label for an artefact.
std::string safe_name(const std::string& text);

void seal_artefact(const std::filesystem::path& partial, const std::filesystem::path& final_path,
                   Artefact& a);

}  // namespace rehome::backup
