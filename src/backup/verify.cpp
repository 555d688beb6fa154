#include "backup/verify.hpp"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/mariadb_client.hpp"
#include "backup/store.hpp"
#include "backup/volume_tar.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "common/sha256.hpp"
#include "engines/mariadb_connection.hpp"
#include "engines/postgres.hpp"
#include "model/units.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

void check_files(const StoredBackup& b, VerifyResult& r, const Progress& progress) {
  for (const auto& a : b.manifest.artefacts) {
    fs::path file = b.dir / a.name;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      r.problems.push_back(fmt::format("{}: missing", file.string()));
      continue;
    }
    auto size = static_cast<std::int64_t>(fs::file_size(file, ec));
    if (size != a.size) {
      r.problems.push_back(
          fmt::format("{}: size {} bytes, the manifest says {}", file.string(), size, a.size));
      continue;
    }
    auto hash = sha256_file(file);
    if (hash != a.sha256) {
      r.problems.push_back(fmt::format("{}: sha256 mismatch (manifest {}, file {}): the file is damaged",
                                       file.string(), a.sha256.substr(0, 16), hash.substr(0, 16)));
      continue;
    }
    progress(fmt::format("  ✓ {} {} sha256 ok", a.name, model::format_bytes(a.size)));
  }
}

// The restored tables' row counts against the manifest's: each difference a mismatch naming the table.
void compare_counts(const Artefact& a, const std::map<std::string, std::int64_t>& restored,
                    RestoreCheck& check) {
  for (const auto& [table, rows] : a.row_counts) {
    auto it = restored.find(table);
    if (it == restored.end())
      check.mismatches.push_back(fmt::format("{}: table {} missing after restore", a.name, table));
    else if (it->second != rows)
      check.mismatches.push_back(
          fmt::format("{}: table {}: {} rows in the manifest, {} restored", a.name, table, rows, it->second));
    else
      check.rows += rows;
  }
  check.tables = static_cast<int>(restored.size());
}

// Restores one dump into a scratch database on `server_url`, compares the row counts, drops it.
RestoreCheck restore_and_count(const StoredBackup& b, const Artefact& a, const std::string& server_url) {
  RestoreCheck check;
  check.artefact = a.name;
  check.scratch_database = fmt::format("rehome_verify_{}_{}", ::getpid(), std::time(nullptr));
  auto pg_restore = require_program("pg_restore", "postgresql-client-15");
  engines::PgConnection admin(
      engines::parse_pg_url(server_url, "--restore-url", engines::PgDatabase::optional));
  admin.exec(fmt::format("CREATE DATABASE {}", engines::quote_ident(check.scratch_database)));
  auto scratch =
      engines::parse_pg_url(engines::with_database(server_url, check.scratch_database), "--restore-url");
  auto drop = [&]() {
    try {
      admin.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)",
                             engines::quote_ident(check.scratch_database)));
    } catch (const UserError&) {
    }
  };
  try {
    auto child = engines::for_child_process(scratch);
    ProcessOptions opts;
    if (!child.password.empty()) opts.env["PGPASSWORD"] = child.password;
    auto res =
        run_process({pg_restore.string(), "--no-owner", "--no-privileges", "--exit-on-error", "--no-password",
                     "--dbname=" + child.conninfo_without_password, (b.dir / a.name).string()},
                    opts);
    if (!res.ok()) {
      std::string why = mask_secrets(res.err);
      while (!why.empty() && why.back() == '\n') why.pop_back();
      check.mismatches.push_back(fmt::format("pg_restore of {} failed: {}", (b.dir / a.name).string(), why));
    } else {
      engines::PgConnection restored_db(scratch);
      compare_counts(a, count_rows(restored_db), check);
    }
  } catch (...) {
    drop();
    throw;
  }
  drop();
  return check;
}

// Restores one MariaDB dump into a scratch database on `server_url` (a throwaway mariadbd), compares the
// row counts and CHECKSUM TABLE of every table with the manifest's, drops it.
RestoreCheck restore_mariadb(const StoredBackup& b, const Artefact& a, const std::string& server_url) {
  RestoreCheck check;
  check.artefact = a.name;
  check.scratch_database = fmt::format("rehome_verify_{}_{}", ::getpid(), std::time(nullptr));
  auto client = require_program("mariadb", "mariadb-client");
  auto endpoint = engines::parse_mariadb_url(server_url, "--restore-url");
  engines::MariadbConnection admin(endpoint, "scratch");
  auto quoted = engines::MariadbConnection::quote_name(check.scratch_database);
  admin.exec("CREATE DATABASE " + quoted);
  auto drop = [&]() {
    try {
      admin.exec("DROP DATABASE IF EXISTS " + quoted);
    } catch (const UserError&) {
    }
  };
  try {
    auto scratch = endpoint;
    scratch.database = check.scratch_database;
    ClientOptionFile options(scratch);
    fs::path file = b.dir / a.name;
    if (file.string().find_first_of("\n") != std::string::npos)
      throw UserError(fmt::format("{}: a path with a newline cannot be sourced", file.string()));
    auto res = run_process({client.string(), options.flag(), "--batch", check.scratch_database, "-e",
                            "source " + file.string()});
    if (!res.ok()) {
      std::string why = mask_secrets(res.err);
      while (!why.empty() && why.back() == '\n') why.pop_back();
      check.mismatches.push_back(fmt::format("restoring {} failed: {}", file.string(), why));
    } else {
      std::map<std::string, std::int64_t> rows;
      std::map<std::string, std::string> sums;
      mariadb_counts(admin, check.scratch_database, rows, sums);
      compare_counts(a, rows, check);
      for (const auto& [table, sum] : a.checksums) {
        auto it = sums.find(table);
        if (it != sums.end() && it->second != sum)
          check.mismatches.push_back(
              fmt::format("{}: table {}: CHECKSUM TABLE {} in the manifest, {} restored", a.name, table, sum,
                          it->second));
      }
    }
  } catch (...) {
    drop();
    throw;
  }
  drop();
  return check;
}

// Beyond the checksum: the archive decompresses, the RDB parses (when redis-check-rdb is installed).
void check_readable(const StoredBackup& b, VerifyResult& r, const Progress& progress) {
  for (const auto& a : b.manifest.artefacts) {
    fs::path file = b.dir / a.name;
    std::vector<std::string> argv;
    if (a.kind == "volume" && a.name.ends_with(".gz"))  // the older folder format's .tar.gz
      argv = {"gzip", "--test", file.string()};
    else if (a.kind == "volume")
      continue;  // a plain tar: its files are checked one by one (check_volume)
    else if (a.kind == "redis" && find_program("redis-check-rdb"))
      argv = {"redis-check-rdb", file.string()};
    else
      continue;
    auto res = run_process(argv);
    if (!res.ok())
      r.problems.push_back(fmt::format("{}: {} says it is damaged", file.string(), argv[0]));
    else
      progress(fmt::format("  ✓ {} reads back ({})", a.name, argv[0]));
  }
}

}  // namespace

void check_backup(const StoredBackup& b, const RestoreServers& servers, VerifyResult& r,
                  const Progress& progress) {
  size_t before = r.problems.size();
  check_files(b, r, progress);
  if (r.problems.size() == before) check_readable(b, r, progress);
  if (r.problems.size() != before) return;
  for (const auto& a : b.manifest.artefacts)
    if (a.kind == "volume" && !a.files.empty()) check_volume(b, a, r, progress);
  for (const auto& a : b.manifest.artefacts) {
    const auto& url = a.kind == "postgres"  ? servers.postgres
                      : a.kind == "mariadb" ? servers.mariadb
                                            : std::nullopt;
    if (!url) continue;
    progress(fmt::format("  restoring {} into a scratch database on {} ...", a.name, mask_url(*url)));
    auto check = a.kind == "postgres" ? restore_and_count(b, a, *url) : restore_mariadb(b, a, *url);
    for (const auto& m : check.mismatches) r.problems.push_back(m);
    if (check.mismatches.empty())
      progress(
          fmt::format("  ✓ {} restored: {} tables, {} rows{} match the manifest (scratch database dropped)",
                      a.name, check.tables, check.rows, a.checksums.empty() ? "" : " and CHECKSUM TABLE"));
    r.restores.push_back(std::move(check));
  }
}

std::optional<std::int64_t> parse_age(const std::string& text) {
  if (text.size() >= 2 && text.back() == 'd') {
    auto ms = model::parse_duration(text.substr(0, text.size() - 1) + "h");
    if (ms) return *ms / 1000 * 24;
    return std::nullopt;
  }
  auto ms = model::parse_duration(text);
  if (!ms || *ms <= 0) return std::nullopt;
  return *ms / 1000;
}

}  // namespace rehome::backup
