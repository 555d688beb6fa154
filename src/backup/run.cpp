#include "backup/run.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/mariadb_client.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "engines/mariadb_url.hpp"
#include "engines/postgres_url.hpp"
#include "engines/url.hpp"
#include "model/units.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

// Creates `dir` (and parents), turning failures into a message that names it.
void make_folder(const fs::path& dir, const char* what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw UserError(
        fmt::format("cannot create {} {}: {}", what, dir.string(), ec ? ec.message() : "not a folder"),
        "check that the path is right, writable by this user and its disk is mounted");
}

std::vector<Artefact> take_artefacts(const Source& source, const fs::path& folder) {
  if (source.kind == "volume") return {archive_volume(source.target, folder)};
  if (source.kind == "redis") return {snapshot_redis(source.target, folder)};
  if (source.kind == "postgres") return {dump_postgres(source.target, folder)};
  throw UserError(fmt::format("rehome cannot back up {} sources yet ({})", source.kind, source.service),
                  "add the engine's own dump job, or back up its volume folder with --volume");
}

namespace {

// postgres | redis | "" from the URL's scheme.
std::string url_kind(const std::string& url) {
  auto parsed = engines::try_parse_url(url);
  auto engine = parsed ? engines::engine_of(parsed->scheme) : std::nullopt;
  if (engine == engines::Engine::postgres) return "postgres";
  if (engine == engines::Engine::redis) return "redis";
  if (engine == engines::Engine::mariadb) return "mariadb";
  return "";
}

}  // namespace

std::vector<Source> expand_sources(const std::vector<Source>& in) {
  std::vector<Source> sources;
  for (const auto& s : in) {
    if (s.kind == "postgres" && url_kind(s.target) == "postgres" &&
        engines::parse_pg_url(s.target, "--url", engines::PgDatabase::optional).database.empty()) {
      for (const auto& db : list_databases(s.target))
        sources.push_back({"postgres", engines::with_database(s.target, db), s.service});
    } else if (s.kind == "mariadb" && engines::parse_mariadb_url(s.target, "--url").database.empty()) {
      for (const auto& db : list_mariadb_databases(s.target)) {
        auto with_db = s;
        with_db.target = (s.target.ends_with("/") ? s.target : s.target + "/") + db;
        sources.push_back(with_db);
      }
    } else {
      sources.push_back(s);
    }
  }
  return sources;
}

Source source_from_url(const std::string& url) {
  auto kind = url_kind(url);
  if (kind.empty())
    throw UserError(fmt::format("--url {}: not a postgres://, mariadb:// or redis:// URL", mask_url(url)),
                    "write it like postgresql://user@host:5432/db, mariadb://user@host:3306/db (password in "
                    "MYSQL_PWD or ~/.my.cnf) or redis://host:6379");
  return {kind, url};
}

std::vector<Source> sources_from_estate(const model::Estate& estate, const std::string& docker_engine) {
  std::vector<Source> out;
  for (const auto& svc : estate.services) {
    if (!svc.data || svc.data->replica_of) continue;
    if (svc.data->engine == "postgres") {
      for (const auto& db : svc.data->databases)
        out.push_back({"postgres", fmt::format("postgresql://{}:5432/{}", svc.name, db), svc.name});
      if (svc.data->databases.empty())
        out.push_back({"postgres", fmt::format("postgresql://{}:5432", svc.name), svc.name});
    } else if (svc.data->engine == "mariadb" || svc.data->engine == "mysql") {
      for (const auto& db : svc.data->databases)
        out.push_back({"mariadb", fmt::format("mariadb://{}:3306/{}", svc.name, db), svc.name});
      if (svc.data->databases.empty())
        out.push_back({"mariadb", fmt::format("mariadb://{}:3306", svc.name), svc.name});
    } else if (svc.data->engine == "redis") {
      out.push_back({"redis", fmt::format("redis://{}:6379", svc.name), svc.name});
    }
  }
  for (const auto& name : estate.backup.volumes) {
    fs::path p = name;
    if (p.is_absolute())
      out.push_back({"volume", p.string(), p.filename().string(), ""});
    else
      out.push_back({"volume", name, name, docker_engine});
  }
  return out;
}

}  // namespace rehome::backup
