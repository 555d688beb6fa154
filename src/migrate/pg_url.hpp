#pragma once
// Validating a PostgreSQL connection string given on the command line, before anything connects.
#include <string>

namespace rehome::migrate {

struct PgEndpoint {
  std::string conninfo;  // what libpq gets (may hold a password: never print it)
  std::string masked;    // the same with the password replaced by ***, for every message
  std::string host;
  std::string port;
  std::string database;
  std::string user;
  bool has_password = false;
};

// Accepts postgresql:// or postgres:// URLs and libpq "key=value" strings. `flag` (e.g. "--from")
// names the option in the error. Throws UserError (exit 2) for a malformed string or one without a
// database name.
PgEndpoint parse_pg_url(const std::string& text, const std::string& flag);

// The conninfo without its password, plus the password alone: for child processes (pg_dump) that
// get the password through PGPASSWORD rather than on their command line, where `ps` would show it.
struct PgChildConnection {
  std::string conninfo_without_password;
  std::string password;
};
PgChildConnection for_child_process(const PgEndpoint& endpoint);

}  // namespace rehome::migrate
