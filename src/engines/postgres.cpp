#include "engines/postgres.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::engines {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Turns libpq's connection failure into a message a person can act on.
UserError connection_error(const PgEndpoint& endpoint, const std::string& where, const std::string& raw) {
  std::string detail = mask_secrets(trimmed(raw));
  if (detail.find("password authentication failed") != std::string::npos ||
      detail.find("no password supplied") != std::string::npos) {
    return UserError(fmt::format("{}: wrong or missing password for user '{}'", where, endpoint.user),
                     "give the password in ~/.pgpass (or the file PGPASSFILE names, or PGPASSWORD), or in "
                     "the URL (postgresql://user:password@host/db)");
  }
  if (detail.find("does not exist") != std::string::npos && detail.find("database") != std::string::npos) {
    return UserError(
        fmt::format("{}: database '{}' does not exist", where, endpoint.database),
        fmt::format("create it first (createdb {}) or fix the database name in the URL", endpoint.database));
  }
  if (detail.find("Connection refused") != std::string::npos ||
      detail.find("timeout expired") != std::string::npos ||
      detail.find("could not translate host name") != std::string::npos ||
      detail.find("No route to host") != std::string::npos) {
    return UserError(fmt::format("{}: server unreachable ({})", where, detail),
                     "check host and port, and that PostgreSQL runs and accepts TCP connections there");
  }
  return UserError(fmt::format("{}: {}", where, detail), "check the URL, the server and pg_hba.conf");
}

}  // namespace

PgConnection::PgConnection(const PgEndpoint& endpoint, std::string role, PgOptions options)
    : endpoint_(endpoint), role_(std::move(role)), options_(std::move(options)) {
  // connect_timeout keeps an unreachable host from hanging the command for minutes; it comes before
  // dbname (the expanded connection string), so a connect_timeout there wins.
  // A link that drops and never comes back ends the command within about a minute with a message (TCP
  // alone would retransmit for ~15 minutes): keepalives while waiting for an answer, tcp_user_timeout
  // while data sent stays unacknowledged. A shorter cut is ridden out. The URL's own settings win.
  std::string timeout = std::to_string(options_.connect_timeout);
  std::vector<const char*> keys = {"connect_timeout",          "keepalives_idle",  "keepalives_interval",
                                   "keepalives_count",         "tcp_user_timeout", "dbname",
                                   "fallback_application_name"};
  std::vector<const char*> values = {timeout.c_str(), "15", "5", "6", "60000", endpoint_.conninfo.c_str(),
                                     "rehome"};
  if (!options_.application_name.empty()) {
    keys.push_back("application_name");
    values.push_back(options_.application_name.c_str());
  }
  if (!options_.replication.empty()) {
    keys.push_back("replication");
    values.push_back(options_.replication.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (conn_ == nullptr) throw UserError("out of memory connecting to " + endpoint_.masked);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string raw = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw connection_error(endpoint_, "cannot connect to " + describe(), raw);
  }
  PQsetClientEncoding(conn_, "UTF8");
  // Server NOTICEs ("drop cascades to ...") are not for the person running rehome.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
  if (copy_buffer_) PQfreemem(copy_buffer_);
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::describe() const {
  if (role_.empty()) return "PostgreSQL at " + endpoint_.masked;
  return fmt::format("the {} database {}", role_, endpoint_.masked);
}

void PgConnection::fail(const std::string& what, const std::string& detail) const {
  std::string hint;
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD)
    hint = fmt::format("the connection was lost (the network or the server went away): check that {} answers",
                       endpoint_.masked);
  throw UserError(fmt::format("{} on {}: {}", what, describe(), mask_secrets(trimmed(detail))), hint);
}

namespace {

std::vector<PgRow> result_rows(PGresult* result) {
  std::vector<PgRow> rows;
  int n = PQntuples(result), m = PQnfields(result);
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    PgRow row;
    for (int j = 0; j < m; ++j) {
      if (PQgetisnull(result, i, j))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(result, i, j), PQgetlength(result, i, j)));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<PgRow> PgConnection::simple_query(const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_, sql.c_str()), &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    fail("query failed", PQresultErrorMessage(result.get()));
  }
  return result_rows(result.get());
}

std::vector<PgRow> PgConnection::query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                   nullptr, 0),
      &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    fail("query failed", PQresultErrorMessage(result.get()));
  }
  return result_rows(result.get());
}

std::vector<std::vector<std::string>> PgConnection::text_rows(const std::string& sql,
                                                              const std::vector<std::string>& params) {
  std::vector<std::vector<std::string>> out;
  for (auto& row : query(sql, params)) {
    std::vector<std::string> cells;
    for (auto& cell : row) cells.push_back(cell.value_or(""));
    out.push_back(std::move(cells));
  }
  return out;
}

std::string PgConnection::scalar(const std::string& sql, const std::vector<std::string>& params) {
  auto rows = query(sql, params);
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return {};
  return *rows[0][0];
}

std::string PgConnection::try_exec(const std::string& sql, std::string* message) {
  std::string state;
  PGresult* result = PQexec(conn_, sql.c_str());
  // With several statements, PQexec returns the last result; an error stops at the failing one.
  auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    state = code ? code : "XX000";
    if (message) *message = mask_secrets(trimmed(PQresultErrorMessage(result)));
  }
  PQclear(result);
  return state;
}

void PgConnection::exec(const std::string& sql) {
  std::string message;
  if (!try_exec(sql, &message).empty()) fail("statement failed", message);
}

void PgConnection::begin_copy_out(const std::string& copy_sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_, copy_sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COPY_OUT)
    fail("COPY TO failed", PQresultErrorMessage(result.get()));
}

bool PgConnection::next_copy_row(const char** data, int* size) {
  if (copy_buffer_) {
    PQfreemem(copy_buffer_);
    copy_buffer_ = nullptr;
  }
  int n = PQgetCopyData(conn_, &copy_buffer_, 0);
  if (n > 0) {
    *data = copy_buffer_;
    *size = n;
    return true;
  }
  if (n == -2) fail("reading COPY data failed", PQerrorMessage(conn_));
  // -1: the COPY ended; its final result says whether it succeeded.
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQgetResult(conn_), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
    fail("COPY TO failed", PQresultErrorMessage(result.get()));
  last_copy_rows_ = std::atoll(PQcmdTuples(result.get()));
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  return false;
}

void PgConnection::begin_copy_in(const std::string& copy_sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn_, copy_sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COPY_IN)
    fail("COPY FROM failed", PQresultErrorMessage(result.get()));
}

void PgConnection::put_copy_data(const char* data, int size) {
  if (PQputCopyData(conn_, data, size) != 1) fail("writing COPY data failed", PQerrorMessage(conn_));
}

void PgConnection::end_copy_in() {
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("ending COPY failed", PQerrorMessage(conn_));
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQgetResult(conn_), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
    fail("COPY FROM failed", PQresultErrorMessage(result.get()));
  last_copy_rows_ = std::atoll(PQcmdTuples(result.get()));
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
}

void PgConnection::cancel() {
  if (PGcancel* c = PQgetCancel(conn_)) {
    char error[256];
    PQcancel(c, error, sizeof error);
    PQfreeCancel(c);
  }
}

bool pg_answers(const PgEndpoint& endpoint, int timeout_seconds) {
  std::string timeout = std::to_string(timeout_seconds);
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {endpoint.conninfo.c_str(), timeout.c_str(), nullptr};
  auto ping = PQpingParams(keys, values, 1);
  return ping == PQPING_OK || ping == PQPING_REJECT;  // REJECT: up but refusing us; still a live primary
}

std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string qualified_name(const std::string& schema, const std::string& name) {
  return quote_ident(schema) + "." + quote_ident(name);
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace rehome::engines
