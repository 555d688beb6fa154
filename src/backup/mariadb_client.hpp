#pragma once
// What MariaDB's own clients (mariadb-dump, mariadb) need to reach a server without a secret on their
// command line: a [client] option file, mode 0600, given as --defaults-extra-file and removed when done.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engines/mariadb_url.hpp"

namespace rehome::engines {
class MariadbConnection;
}

namespace rehome::backup {

class ClientOptionFile {
 public:
  // host, port and user of `endpoint`; the password from the URL, else MYSQL_PWD, else none (the
  // clients then read the user's own option files, as the connection library does).
  explicit ClientOptionFile(const engines::MariadbEndpoint& endpoint);
  ~ClientOptionFile();
  ClientOptionFile(const ClientOptionFile&) = delete;
  ClientOptionFile& operator=(const ClientOptionFile&) = delete;
  // "--defaults-extra-file=PATH": the clients want it as their first argument.
  std::string flag() const { return "--defaults-extra-file=" + path_.string(); }

 private:
  std::filesystem::path path_;
};

// A value quoted for an option file: "..." with backslash and double quote escaped (pure; tested).
std::string option_file_value(const std::string& value);

// User tables of `database` ("BASE TABLE"), by name.
std::vector<std::string> mariadb_tables(engines::MariadbConnection& c, const std::string& database);
// Exact row counts and CHECKSUM TABLE of every table, as the connection's transaction sees them.
void mariadb_counts(engines::MariadbConnection& c, const std::string& database,
                    std::map<std::string, std::int64_t>& rows, std::map<std::string, std::string>& checksums);

// User databases of a MariaDB server (not mysql, information_schema, performance_schema, sys).
std::vector<std::string> list_mariadb_databases(const std::string& server_url);

}  // namespace rehome::backup
