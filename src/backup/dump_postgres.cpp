#include <cctype>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/stream.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "common/sha256.hpp"
#include "engines/postgres.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

void seal_artefact(const fs::path& partial, const fs::path& final_path, Artefact& a) {
  std::error_code ec;
  a.size = static_cast<std::int64_t>(fs::file_size(partial, ec));
  if (ec)
    throw UserError(fmt::format("cannot read {}: {}", partial.string(), ec.message()), "check the disk");
  a.sha256 = sha256_file(partial);
  fs::rename(partial, final_path, ec);
  if (ec) {
    fs::remove(partial, ec);
    throw UserError(fmt::format("cannot rename {} into place: {}", final_path.string(), ec.message()),
                    "check the backup folder's permissions");
  }
}

std::string safe_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += ok ? c : '-';
  }
  while (out.starts_with(".") || out.starts_with("-")) out.erase(0, 1);
  return out.empty() ? "artefact" : out;
}

std::map<std::string, std::int64_t> count_rows(engines::PgConnection& session) {
  auto tables = session.text_rows(
      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_toast%' AND NOT c.relispartition ORDER BY 1, 2");
  std::map<std::string, std::int64_t> counts;
  for (const auto& t : tables) {
    auto rows = session.scalar(
        fmt::format("SELECT count(*) FROM {}.{}", engines::quote_ident(t[0]), engines::quote_ident(t[1])));
    counts[t[0] + "." + t[1]] = std::stoll(rows);
  }
  return counts;
}

std::vector<std::string> list_databases(const std::string& server_url) {
  engines::PgConnection s(engines::parse_pg_url(server_url, "--url", engines::PgDatabase::optional));
  std::vector<std::string> out;
  for (const auto& row :
       s.text_rows("SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn "
                   "AND datname <> 'postgres' ORDER BY 1"))
    out.push_back(row[0]);
  return out;
}

namespace {

// The artefact's identity and the exported snapshot its row counts were taken in.
struct PgStart {
  Artefact a;
  engines::PgEndpoint endpoint;
  std::string snapshot;
};

PgStart start_postgres(const std::string& url, engines::PgConnection*& session_out,
                       std::unique_ptr<engines::PgConnection>& holder) {
  PgStart st;
  st.endpoint = engines::parse_pg_url(url, "--url", engines::PgDatabase::optional);
  auto& a = st.a;
  const auto& endpoint = st.endpoint;
  a.kind = "postgres";
  a.source = endpoint.masked;
  a.database = endpoint.database;
  if (a.database.empty()) a.database = endpoint.user.empty() ? "postgres" : endpoint.user;
  a.name =
      safe_name(fmt::format("postgres-{}-{}-{}.dump", endpoint.host.empty() ? "127.0.0.1" : endpoint.host,
                            endpoint.port.empty() ? "5432" : endpoint.port, a.database));
  a.time = static_cast<std::int64_t>(std::time(nullptr));
  // One snapshot for the row counts and the dump: the counts are exactly what the dump holds.
  holder = std::make_unique<engines::PgConnection>(endpoint);
  session_out = holder.get();
  session_out->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  st.snapshot = session_out->scalar("SELECT pg_export_snapshot()");
  a.row_counts = count_rows(*session_out);
  return st;
}

}  // namespace

Artefact dump_postgres(const std::string& url, const fs::path& folder) {
  auto pg_dump = require_program("pg_dump", "postgresql-client-15");
  engines::PgConnection* session = nullptr;
  std::unique_ptr<engines::PgConnection> holder;
  auto st = start_postgres(url, session, holder);
  auto& a = st.a;
  fs::path final_path = folder / a.name;
  fs::path partial = folder / (a.name + ".partial");
  // The password (when the URL has one) travels in the environment, never on pg_dump's command line.
  auto child = engines::for_child_process(st.endpoint);
  ProcessOptions opts;
  if (!child.password.empty()) opts.env["PGPASSWORD"] = child.password;
  auto result =
      run_process({pg_dump.string(), "--format=custom", "--snapshot=" + st.snapshot, "--no-password",
                   fmt::format("--file={}", partial.string()), "--dbname=" + child.conninfo_without_password},
                  opts);
  session->exec("COMMIT");
  if (!result.ok()) {
    std::error_code ec;
    fs::remove(partial, ec);
    std::string why = mask_secrets(result.err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw UserError(
        fmt::format("pg_dump of {} failed (exit {}): {}", a.source, result.exit_code, why),
        why.find("No space left") != std::string::npos
            ? "the backup disk is full: free space or prune old backups (rehome backup prune)"
            : "check the database, the user's privileges and that pg_dump is at least the server's version");
  }
  seal_artefact(partial, final_path, a);
  return a;
}

std::function<std::string(std::int64_t, const std::string&)> manifest_sealing(
    Artefact& a, Manifest& head, std::function<void(Artefact&)> finish) {
  return [&a, &head, finish](std::int64_t size, const std::string& sha256) {
    a.size = size;
    a.sha256 = sha256;
    if (finish) finish(a);
    head.artefacts = {a};
    return manifest_to_json(head);
  };
}

std::pair<Artefact, StreamedDump> stream_postgres(const std::string& url, const std::vector<Restic>& repos,
                                                  const std::vector<std::string>& tags, Manifest head) {
  auto pg_dump = require_program("pg_dump", "postgresql-client-15");
  engines::PgConnection* session = nullptr;
  std::unique_ptr<engines::PgConnection> holder;
  auto st = start_postgres(url, session, holder);
  auto child = engines::for_child_process(st.endpoint);
  std::map<std::string, std::string> env;
  if (!child.password.empty()) env["PGPASSWORD"] = child.password;
  Artefact a = st.a;
  head.time = a.time;
  head.id = backup_id_for(a.time);
  StreamedDump streamed;
  try {
    // Uncompressed: restic compresses (zstd) after deduplicating, and a zlib stream would turn a change
    // in one row into a different byte stream for the rest of the table.
    streamed = stream_dump({pg_dump.string(), "--format=custom", "--compress=0", "--snapshot=" + st.snapshot,
                            "--no-password", "--dbname=" + child.conninfo_without_password},
                           env, a.name, repos, tags, manifest_sealing(a, head));
  } catch (const UserError& e) {
    throw UserError(fmt::format("{} of {}", e.what(), a.source), e.hint());
  }
  session->exec("COMMIT");
  return {a, streamed};
}

}  // namespace rehome::backup
