#include "migrate/redis_url.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::migrate {
namespace {

bool parse_int(const std::string& text, int& out, int low, int high) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) return false;
  out = value;
  return true;
}

}  // namespace

RedisEndpoint parse_redis_url(const std::string& text, const std::string& flag) {
  RedisEndpoint e;
  e.masked = mask_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, e.masked, why),
                     "give a URL like redis://:password@host:6379/0");
  };
  const std::string scheme = "redis://";
  if (text.rfind(scheme, 0) != 0) throw bad("not a redis:// URL");
  std::string rest = text.substr(scheme.size());
  size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string::npos) {
      e.password = userinfo;  // redis://password@host, as redis-cli -u accepts
    } else {
      e.user = userinfo.substr(0, colon);
      e.password = userinfo.substr(colon + 1);
    }
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    if (!db.empty() && !parse_int(db, e.db, 0, 100000))
      throw bad(fmt::format("database '{}' is not a number", db));
  }
  size_t colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    std::string port = hostport.substr(colon + 1);
    if (!parse_int(port, e.port, 1, 65535)) throw bad(fmt::format("port '{}' is not a port number", port));
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) throw bad("no host");
  e.host = hostport;
  return e;
}

std::vector<int> parse_redis_db_option(const std::string& text) {
  if (text.empty() || text == "all") return {};
  std::vector<int> dbs;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    int db = 0;
    if (!parse_int(item, db, 0, 100000)) {
      throw UserError(fmt::format("--db {}: '{}' is not a database number", text, item),
                      "give N, N,M or all");
    }
    dbs.push_back(db);
  }
  return dbs;
}

}  // namespace rehome::migrate
