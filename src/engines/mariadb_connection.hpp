#pragma once
// One connection to a MariaDB or MySQL server through the MariaDB client library (RAII). The
// password is never needed in the URL: it comes from the URL if there (discouraged), else MYSQL_PWD,
// else the option files the client library reads itself ([client] in ~/.my.cnf and /etc/mysql, or
// the file given as `defaults_file`, like the clients' --defaults-file). Errors name the server by its
// masked URL, its role ("source", "target") and say what to do.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "engines/mariadb_url.hpp"

struct st_mysql;

namespace rehome::engines {

struct MariadbConnectOptions {
  std::string defaults_file;              // empty: the library's default option files
  std::string defaults_group = "client";  // the option file group read ([client] and this one)
  std::string charset = "utf8mb4";
  unsigned connect_timeout_seconds = 15;
  unsigned read_timeout_seconds = 0;  // 0: none (a long copy's reads wait as long as they need)
  // Allow LOAD DATA LOCAL INFILE, served only from memory by load_local() (never a file on disk,
  // whatever file name a server asks for).
  bool local_infile = false;
  // Several statements in one exec() (CLIENT_MULTI_STATEMENTS): one round trip for a batch that the
  // server stops at its first error. Only for SQL rehome reads from a trusted stream (the binlog follow).
  bool multi_statements = false;
};

// A server error: UserError plus the server's error number (1062 duplicate key, 1146 no such table ...).
class MariadbError : public UserError {
 public:
  MariadbError(std::string what, std::string hint, unsigned code)
      : UserError(std::move(what), std::move(hint)), code_(code) {}
  unsigned code() const { return code_; }

 private:
  unsigned code_;
};

// One row of a streamed result: values[i] is nullptr for NULL, else lengths[i] bytes (binary-safe).
struct MariadbRowView {
  char** values = nullptr;
  const unsigned long* lengths = nullptr;
  unsigned count = 0;
  bool null(unsigned i) const { return values[i] == nullptr; }
  std::string_view text(unsigned i) const { return {values[i], lengths[i]}; }
};

class MariadbConnection {
 public:
  using Row = std::vector<std::optional<std::string>>;

  // Connects to `endpoint` (its database, if any). Throws MariadbError with the masked URL and a hint.
  MariadbConnection(const MariadbEndpoint& endpoint, std::string role,
                    const MariadbConnectOptions& options = {});
  ~MariadbConnection();
  MariadbConnection(const MariadbConnection&) = delete;
  MariadbConnection& operator=(const MariadbConnection&) = delete;

  // Runs statements that return no rows (results, if any, are discarded).
  void exec(const std::string& sql);
  // Runs a query and returns all its rows.
  std::vector<Row> query(const std::string& sql);
  // The first column of the first row (nullopt for no row or NULL).
  std::optional<std::string> scalar(const std::string& sql);
  // Streams the rows of a query one by one (mysql_use_result: nothing buffered); returns the count.
  // `on_row` may not use this connection.
  int64_t stream(const std::string& sql, const std::function<void(const MariadbRowView&)>& on_row);

  // Runs `sql`, a LOAD DATA LOCAL INFILE statement, with `data` as the file's content (sent from
  // memory: no temp file, and no file on disk is ever read). Needs options.local_infile.
  void load_local(const std::string& sql, std::string_view data);

  // 'text' escaped for this connection's character set (binary-safe).
  std::string quote(std::string_view text) const;
  // The same, appended to `out` (no temporary string: the copy's inner loop).
  void append_quoted(std::string& out, std::string_view text) const;
  // `name` with backticks doubled.
  static std::string quote_name(std::string_view name);

  // Server version as 100611 (10.6.11) and whether it is MariaDB (else MySQL).
  unsigned long server_version() const;
  bool is_mariadb() const;
  const MariadbEndpoint& endpoint() const { return endpoint_; }
  const std::string& role() const { return role_; }

 private:
  [[noreturn]] void fail(const std::string& sql) const;
  MariadbEndpoint endpoint_;
  std::string role_;
  st_mysql* mysql_ = nullptr;

 public:
  // What load_local() serves (empty outside it); public for the client library's callbacks only.
  struct LocalFile {
    std::string_view data;
    size_t offset = 0;
  };

 private:
  LocalFile local_;
};

}  // namespace rehome::engines
