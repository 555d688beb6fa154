#include "backup/pg_session.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::backup {

PgSession::PgSession(const std::string& url) : masked_(mask_url(url)) {
  // A 10 s connect timeout unless the URL sets its own (keywords after "dbname" would override it).
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = mask_secrets(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw UserError(fmt::format("cannot connect to PostgreSQL at {}: {}", masked_, why),
                    "check that the server runs, the address and port, and the user and password "
                    "(PGPASSWORD or ~/.pgpass)");
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgSession::~PgSession() {
  if (conn_) PQfinish(conn_);
}

std::vector<std::vector<std::string>> PgSession::query(const std::string& sql,
                                                       const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0);
  auto status = PQresultStatus(res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string why = mask_secrets(PQresultErrorMessage(res));
    PQclear(res);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw UserError(fmt::format("PostgreSQL at {} refused a query: {}", masked_, why),
                    "check the user's privileges on that server");
  }
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(res); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(res); ++c)
      row.emplace_back(PQgetisnull(res, r, c) ? "" : PQgetvalue(res, r, c));
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

std::string PgSession::scalar(const std::string& sql, const std::vector<std::string>& params) {
  auto rows = query(sql, params);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

bool pg_answers(const std::string& url, int timeout_seconds) {
  std::string conninfo = url;
  // libpq: connect_timeout works as a URL parameter or a keyword.
  if (url.find("://") != std::string::npos)
    conninfo +=
        fmt::format("{}connect_timeout={}", url.find('?') == std::string::npos ? "?" : "&", timeout_seconds);
  else
    conninfo += fmt::format(" connect_timeout={}", timeout_seconds);
  auto ping = PQping(conninfo.c_str());
  return ping == PQPING_OK || ping == PQPING_REJECT;  // REJECT: up but refusing us; still a live primary
}

std::string quote_ident(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string with_database(const std::string& url, const std::string& database) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + database;
  auto query = url.find('?', scheme + 3);
  auto path = url.find('/', scheme + 3);
  std::string params = query == std::string::npos ? "" : url.substr(query);
  std::string base = url.substr(0, path != std::string::npos && (query == std::string::npos || path < query)
                                       ? path
                                       : (query == std::string::npos ? url.size() : query));
  return base + "/" + database + params;
}

std::string database_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    auto k = url.find("dbname=");
    if (k == std::string::npos) return "";
    auto end = url.find(' ', k);
    return url.substr(k + 7, end == std::string::npos ? std::string::npos : end - k - 7);
  }
  auto path = url.find('/', scheme + 3);
  if (path == std::string::npos) return "";
  auto query = url.find('?', path);
  return url.substr(path + 1, query == std::string::npos ? std::string::npos : query - path - 1);
}

}  // namespace rehome::backup
