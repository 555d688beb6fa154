#pragma once
#include <memory>
#include <string>
#include <vector>

struct pg_conn;

namespace rehome::backup {

// A small libpq connection for the few queries backup and replica need. Errors are UserErrors that
// name the server with its password masked.
class PgSession {
 public:
  explicit PgSession(const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Rows of text cells (NULL -> ""). Parameters are passed separately ($1, $2 ...), never spliced.
  std::vector<std::vector<std::string>> query(const std::string& sql,
                                              const std::vector<std::string>& params = {});
  void exec(const std::string& sql) { query(sql); }
  std::string scalar(const std::string& sql, const std::vector<std::string>& params = {});

  const std::string& masked_url() const { return masked_; }

 private:
  pg_conn* conn_ = nullptr;
  std::string masked_;
};

// True when a server answers at `url` within `timeout_seconds` (used for fencing before a promote).
bool pg_answers(const std::string& url, int timeout_seconds = 3);

// Quotes an SQL identifier ("my table" -> "\"my table\"").
std::string quote_ident(const std::string& name);

// `url` with its database replaced (postgresql://u:p@h:5432/app -> .../other); keyword strings get dbname=.
std::string with_database(const std::string& url, const std::string& database);

// The database named in a URL ("" when none).
std::string database_of(const std::string& url);

}  // namespace rehome::backup
