#include "backup/mariadb_client.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "common/error.hpp"
#include "engines/mariadb_connection.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

std::string option_file_value(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

ClientOptionFile::ClientOptionFile(const engines::MariadbEndpoint& e) {
  std::string pattern = (fs::temp_directory_path() / "rehome-mariadb-XXXXXX.cnf").string();
  int fd = ::mkstemps(pattern.data(), 4);  // mode 0600 from the start: the password is never readable
  if (fd < 0)
    throw UserError(fmt::format("cannot create an option file in {}", fs::temp_directory_path().string()),
                    "check that the temp folder is writable (TMPDIR)");
  path_ = pattern;
  std::string text = fmt::format("[client]\nhost={}\nport={}\n", option_file_value(e.host), e.port);
  if (!e.user.empty()) text += fmt::format("user={}\n", option_file_value(e.user));
  std::string password = e.has_password ? e.password : "";
  if (!e.has_password)
    if (const char* env = std::getenv("MYSQL_PWD")) password = env;
  if (!password.empty() || e.has_password) text += fmt::format("password={}\n", option_file_value(password));
  bool ok =
      ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) {
    std::error_code ec;
    fs::remove(path_, ec);
    throw UserError(fmt::format("cannot write the option file {}", path_.string()), "check the temp folder");
  }
}

ClientOptionFile::~ClientOptionFile() {
  std::error_code ec;
  fs::remove(path_, ec);
}

std::vector<std::string> mariadb_tables(engines::MariadbConnection& c, const std::string& database) {
  std::vector<std::string> out;
  for (const auto& row : c.query(fmt::format("SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                                             "TABLE_SCHEMA = {} AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1",
                                             c.quote(database))))
    if (row[0]) out.push_back(*row[0]);
  return out;
}

void mariadb_counts(engines::MariadbConnection& c, const std::string& database,
                    std::map<std::string, std::int64_t>& rows,
                    std::map<std::string, std::string>& checksums) {
  for (const auto& table : mariadb_tables(c, database)) {
    std::string name = engines::MariadbConnection::quote_name(database) + "." +
                       engines::MariadbConnection::quote_name(table);
    rows[table] = std::stoll(c.scalar("SELECT COUNT(*) FROM " + name).value_or("0"));
    // InnoDB's CHECKSUM TABLE is a consistent read: inside the transaction it sees its snapshot.
    auto sum = c.query("CHECKSUM TABLE " + name);
    checksums[table] = sum.empty() || !sum[0][1] ? "NULL" : *sum[0][1];
  }
}

std::vector<std::string> list_mariadb_databases(const std::string& server_url) {
  engines::MariadbConnection c(engines::parse_mariadb_url(server_url, "--url"), "source");
  std::vector<std::string> out;
  for (const auto& row :
       c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT "
               "IN ('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY 1"))
    if (row[0]) out.push_back(*row[0]);
  return out;
}

}  // namespace rehome::backup
