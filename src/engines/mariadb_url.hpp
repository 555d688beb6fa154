#pragma once
// Pure: mariadb:// and mysql:// URLs. The password is optional and better left out: the connection
// reads it from the engine's own places (an option file, MYSQL_PWD), see mariadb_connection.hpp.
#include <string>

namespace rehome::engines {

struct MariadbEndpoint {
  std::string scheme = "mariadb";  // "mariadb" or "mysql", as written
  std::string user;                // empty: the option file's or the client library's default
  std::string password;            // only when the URL holds one; never printed
  bool has_password = false;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;  // empty: every user database
  std::string masked;    // the URL with the password as ***
  // "user@host:port" without the password, for messages and fingerprints.
  std::string identity() const;
};

// mariadb://[user[:password]@]host[:port][/database] (or mysql://). Throws UserError naming `flag`.
MariadbEndpoint parse_mariadb_url(const std::string& text, const std::string& flag);

}  // namespace rehome::engines
