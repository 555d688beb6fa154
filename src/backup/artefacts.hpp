#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "backup/manifest.hpp"
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
