#pragma once
// The one PostgreSQL client (libpq): queries with text results, statements, and the two halves of a
// COPY stream. Every error is a UserError naming the server (password masked) and, for the usual
// failures (unreachable, wrong or missing password, no such database), what to do. The password comes
// from the connection string or libpq's own PGPASSWORD / PGPASSFILE / ~/.pgpass.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engines/postgres_url.hpp"

struct pg_conn;

namespace rehome::engines {

using PgRow = std::vector<std::optional<std::string>>;

struct PgOptions {
  // Seconds before an unreachable server is an error; a connect_timeout in the URL wins.
  int connect_timeout = 10;
  std::string application_name = "rehome";
  // "database": a logical replication connection (walsender commands such as CREATE_REPLICATION_SLOT,
  // through simple_query only; the user needs the REPLICATION attribute).
  std::string replication;
};

class PgConnection {
 public:
  // `role` ("source", "target") appears in messages ("the source database postgresql://..."); empty:
  // "PostgreSQL at postgresql://...".
  PgConnection(const PgEndpoint& endpoint, std::string role = "", PgOptions options = {});
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Parameters are passed separately ($1, $2 ...), never spliced.
  std::vector<PgRow> query(const std::string& sql, const std::vector<std::string>& params = {});
  // As query, NULL read as "".
  std::vector<std::vector<std::string>> text_rows(const std::string& sql,
                                                  const std::vector<std::string>& params = {});
  // The first cell of the first row ("" when none or NULL).
  std::string scalar(const std::string& sql, const std::vector<std::string>& params = {});
  // One statement through the simple protocol, its rows (the only way on a replication connection).
  std::vector<PgRow> simple_query(const std::string& sql);
  // Runs one or more statements (simple protocol).
  void exec(const std::string& sql);
  // Like exec, but returns the SQLSTATE instead of throwing ("" on success; message in *message).
  std::string try_exec(const std::string& sql, std::string* message = nullptr);

  // COPY ... TO STDOUT: starts it; then next_copy_row() until it returns false.
  void begin_copy_out(const std::string& copy_sql);
  // One row (or, for binary, the header with the first row); false at the end. The buffer stays
  // valid until the next call.
  bool next_copy_row(const char** data, int* size);
  // COPY ... FROM STDIN: starts it; put_copy_data() for each chunk; end_copy_in() ends the COPY.
  void begin_copy_in(const std::string& copy_sql);
  void put_copy_data(const char* data, int size);
  void end_copy_in();
  // Rows the last finished COPY (either direction) reported ("COPY 1234").
  int64_t last_copy_rows() const { return last_copy_rows_; }

  // Asks the server to cancel whatever this connection runs (from another thread).
  void cancel();

  const std::string& masked_url() const { return endpoint_.masked; }
  const std::string& role() const { return role_; }

 private:
  [[noreturn]] void fail(const std::string& what, const std::string& detail) const;
  std::string describe() const;

  PgEndpoint endpoint_;
  std::string role_;
  PgOptions options_;
  pg_conn* conn_ = nullptr;
  char* copy_buffer_ = nullptr;
  int64_t last_copy_rows_ = 0;
};

// True when a server answers at `endpoint` within `timeout_seconds` (even one refusing us: used for
// fencing before a promote).
bool pg_answers(const PgEndpoint& endpoint, int timeout_seconds = 3);

// "schema"."name" with identifiers quoted as needed.
std::string quote_ident(const std::string& name);
std::string qualified_name(const std::string& schema, const std::string& name);
// 'text' as an SQL literal.
std::string quote_literal(const std::string& text);

}  // namespace rehome::engines
