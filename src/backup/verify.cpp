#include "backup/verify.hpp"

#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/store.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "common/sha256.hpp"
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
      auto restored = count_rows(restored_db);
      for (const auto& [table, rows] : a.row_counts) {
        auto it = restored.find(table);
        if (it == restored.end())
          check.mismatches.push_back(fmt::format("{}: table {} missing after restore", a.name, table));
        else if (it->second != rows)
          check.mismatches.push_back(fmt::format("{}: table {}: {} rows in the manifest, {} restored", a.name,
                                                 table, rows, it->second));
        else
          check.rows += rows;
      }
      check.tables = static_cast<int>(restored.size());
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
    if (a.kind == "volume")
      argv = {"gzip", "--test", file.string()};
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

void check_backup(const StoredBackup& b, const std::optional<std::string>& restore_url, VerifyResult& r,
                  const Progress& progress) {
  size_t before = r.problems.size();
  check_files(b, r, progress);
  if (r.problems.size() == before) check_readable(b, r, progress);
  if (!restore_url || r.problems.size() != before) return;
  for (const auto& a : b.manifest.artefacts) {
    if (a.kind != "postgres") continue;
    progress(fmt::format("  restoring {} into a scratch database on {} ...", a.name, mask_url(*restore_url)));
    auto check = restore_and_count(b, a, *restore_url);
    for (const auto& m : check.mismatches) r.problems.push_back(m);
    if (check.mismatches.empty())
      progress(
          fmt::format("  ✓ {} restored: {} tables, {} rows match the manifest (scratch database dropped)",
                      a.name, check.tables, check.rows));
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
