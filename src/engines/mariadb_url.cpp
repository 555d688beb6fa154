#include "engines/mariadb_url.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "engines/url.hpp"

namespace rehome::engines {

std::string MariadbEndpoint::identity() const {
  return fmt::format("{}@{}:{}", user.empty() ? "(default user)" : user, host, port);
}

// The one URL parser (engines/url.hpp) reads it; this adds MariaDB's defaults and refusals.
MariadbEndpoint parse_mariadb_url(const std::string& text, const std::string& flag) {
  MariadbEndpoint e;
  e.masked = masked_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, e.masked, why),
                     "give a URL like mariadb://user@host:3306/db (the password from an option file or "
                     "MYSQL_PWD, not the URL)");
  };
  if (text.rfind("mariadb://", 0) != 0 && text.rfind("mysql://", 0) != 0)
    throw bad("not a mariadb:// or mysql:// URL");
  Url url;
  try {
    url = parse_url(text, flag);
  } catch (const UserError& error) {
    throw UserError(error.what(), bad("").hint());
  }
  if (!url.query.empty()) throw bad("URL parameters (?...) are not supported");
  if (url.host.empty()) throw bad("no host");
  e.scheme = url.scheme;
  e.user = url.user;
  e.password = url.password;
  e.has_password = url.has_password;
  e.host = url.host;
  if (url.port != 0) e.port = url.port;
  e.database = url.database();
  if (e.database.find('/') != std::string::npos) throw bad("the database name holds a '/'");
  return e;
}

}  // namespace rehome::engines
