#pragma once
// PostgreSQL connection strings, parsed by libpq itself (PQconninfoParse): postgresql:// and postgres://
// URLs and libpq "key=value" strings. The password is never required in them: libpq reads PGPASSWORD,
// PGPASSFILE and ~/.pgpass when the string has none.
#include <string>

namespace rehome::engines {

struct PgEndpoint {
  std::string conninfo;  // what libpq gets (may hold a password: never print it)
  std::string masked;    // the same with the password replaced by ***, for every message
  std::string host;      // "" when libpq's default (the local socket) applies
  std::string port;      // "" when libpq's default applies
  std::string database;  // "" when the string names none
  std::string user;
  bool has_password = false;
};

enum class PgDatabase { required, optional };

// Accepts postgresql:// or postgres:// URLs and libpq "key=value" strings. `flag` (e.g. "--from")
// names the option in the error. Throws UserError (exit 2) for a malformed string, or for one without
// a database name when `database` is required.
PgEndpoint parse_pg_url(const std::string& text, const std::string& flag,
                        PgDatabase database = PgDatabase::required);

// The conninfo without its password, plus the password alone: for child processes (pg_dump,
// pg_restore) that get the password through PGPASSWORD rather than on their command line, where `ps`
// would show it. Without a password in the string the child finds it as libpq does (~/.pgpass ...).
struct PgChildConnection {
  std::string conninfo_without_password;
  std::string password;
};
PgChildConnection for_child_process(const PgEndpoint& endpoint);

// The same connection string naming another database: postgresql://u@h:5432/app -> .../other
// (query kept); a keyword string gets dbname=.
std::string with_database(const std::string& conninfo, const std::string& database);

}  // namespace rehome::engines
