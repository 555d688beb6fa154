#include "engines/mariadb_url.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::engines {
namespace {

// %XX escapes in user names and passwords (a '@' or ':' inside them).
std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec == std::errc() && end == text.data() + i + 3) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

std::string MariadbEndpoint::identity() const {
  return fmt::format("{}@{}:{}", user.empty() ? "(default user)" : user, host, port);
}

MariadbEndpoint parse_mariadb_url(const std::string& text, const std::string& flag) {
  MariadbEndpoint e;
  e.masked = mask_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, e.masked, why),
                     "give a URL like mariadb://user@host:3306/db (the password from an option file or "
                     "MYSQL_PWD, not the URL)");
  };
  std::string rest;
  for (const char* scheme : {"mariadb", "mysql"}) {
    std::string prefix = std::string(scheme) + "://";
    if (text.rfind(prefix, 0) == 0) {
      e.scheme = scheme;
      rest = text.substr(prefix.size());
    }
  }
  if (rest.empty()) throw bad("not a mariadb:// or mysql:// URL");
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    e.database = rest.substr(slash + 1);
    size_t query = e.database.find('?');
    if (query != std::string::npos) throw bad("URL parameters (?...) are not supported");
    if (e.database.find('/') != std::string::npos) throw bad("the database name holds a '/'");
  }
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    e.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string::npos) {
      e.password = percent_decode(userinfo.substr(colon + 1));
      e.has_password = true;
    }
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    std::string port = authority.substr(colon + 1);
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
      throw bad(fmt::format("port '{}' is not a port number", port));
    e.port = value;
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty()) throw bad("no host");
  e.host = authority;
  return e;
}

}  // namespace rehome::engines
