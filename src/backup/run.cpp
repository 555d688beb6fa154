#include "backup/run.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/store.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
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
    } else {
      sources.push_back(s);
    }
  }
  return sources;
}

Source source_from_url(const std::string& url) {
  auto kind = url_kind(url);
  if (kind.empty())
    throw UserError(fmt::format("--url {}: not a postgres:// or redis:// URL", mask_url(url)),
                    "write it like postgresql://user@host:5432/db or redis://host:6379");
  return {kind, url};
}

std::vector<Source> sources_from_estate(const model::Estate& estate, const fs::path& volume_root) {
  std::vector<Source> out;
  for (const auto& svc : estate.services) {
    if (!svc.data || svc.data->replica_of) continue;
    if (svc.data->engine == "postgres") {
      for (const auto& db : svc.data->databases)
        out.push_back({"postgres", fmt::format("postgresql://{}:5432/{}", svc.name, db), svc.name});
      if (svc.data->databases.empty())
        out.push_back({"postgres", fmt::format("postgresql://{}:5432", svc.name), svc.name});
    } else if (svc.data->engine == "redis") {
      out.push_back({"redis", fmt::format("redis://{}:6379", svc.name), svc.name});
    }
  }
  for (const auto& name : estate.backup.volumes) {
    fs::path p = name;
    out.push_back(
        {"volume", (p.is_absolute() ? p : volume_root / name / "_data").string(), p.filename().string()});
  }
  return out;
}

RunResult run_backup(const RunOptions& o) {
  if (o.sources.empty())
    throw UserError("nothing to back up", "give an estate with databases, or --url / --volume");
  make_folder(o.dest, "backup destination");
  for (const auto& leftover : list_partials(o.dest))
    o.progress(
        fmt::format("note: {} is left from an interrupted run; it is not a backup, delete it when no run is "
                    "active",
                    leftover.string()));

  auto sources = expand_sources(o.sources);

  auto now = static_cast<std::int64_t>(std::time(nullptr));
  while (fs::exists(o.dest / backup_id_for(now)) ||
         fs::exists(o.dest / (fmt::format(".{}.partial", backup_id_for(now))))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // two runs in one second: next id
    now = static_cast<std::int64_t>(std::time(nullptr));
  }
  Manifest manifest;
  manifest.id = backup_id_for(now);
  manifest.time = now;
  manifest.estate = o.estate;
  manifest.host = hostname();
  fs::path partial = o.dest / ("." + manifest.id + ".partial");
  fs::path final_dir = o.dest / manifest.id;
  make_folder(partial, "backup folder");

  try {
    int i = 0;
    for (const auto& s : sources) {
      ++i;
      std::string what = s.kind == "volume" ? s.target : mask_url(s.target);
      o.progress(fmt::format("[{}/{}] {} {} ...", i, sources.size(), s.kind, what));
      auto started = std::chrono::steady_clock::now();
      for (auto& a : take_artefacts(s, partial)) {
        if (manifest.find(a.name)) {  // same database reached twice under one name
          throw UserError(fmt::format("two sources produce the artefact name {}", a.name),
                          "list each database or volume once");
        }
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        o.progress(fmt::format("      {} {} in {}{}", a.name, model::format_bytes(a.size),
                               model::format_duration(ms.count()),
                               a.row_counts.empty() ? "" : fmt::format(", {} tables", a.row_counts.size())));
        manifest.artefacts.push_back(std::move(a));
      }
    }
    write_file_atomically(partial / manifest_file, manifest_to_json(manifest));
    std::error_code ec;
    fs::rename(partial, final_dir, ec);
    if (ec)
      throw UserError(
          fmt::format("cannot rename {} to {}: {}", partial.string(), final_dir.string(), ec.message()),
          "check the backup folder's permissions");
  } catch (...) {
    std::error_code ec;
    fs::remove_all(partial, ec);  // never leave a half backup behind
    throw;
  }
  o.progress(fmt::format("backup {} complete: {} artefacts, {}", manifest.id, manifest.artefacts.size(),
                         model::format_bytes(manifest.total_bytes())));

  RunResult result{manifest, final_dir, std::nullopt};
  if (o.offsite) result.offsite = copy_offsite(o.dest, *o.offsite, o.progress);
  return result;
}

}  // namespace rehome::backup
