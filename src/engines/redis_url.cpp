#include "engines/redis_url.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/error.hpp"
#include "engines/url.hpp"

namespace rehome::engines {

RedisEndpoint parse_redis_url(const std::string& text, const std::string& flag) {
  RedisEndpoint e;
  e.masked = masked_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, e.masked, why),
                     "give a URL like redis://host:6379/0 (the password in REDISCLI_AUTH, or in the URL: "
                     "redis://:password@host:6379/0)");
  };
  if (text.rfind("redis://", 0) != 0 && text.rfind("rediss://", 0) != 0) throw bad("not a redis:// URL");
  Url url;
  try {
    url = parse_url(text, flag);
  } catch (const UserError& error) {
    throw UserError(error.what(), bad("").hint());
  }
  if (url.host.empty()) throw bad("no host");
  e.host = url.host;
  if (url.port != 0) e.port = url.port;
  e.user = url.user;
  e.password = url.password;
  e.tls = url.scheme == "rediss";
  std::string db = url.database();
  if (!db.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
    if (ec != std::errc() || end != db.data() + db.size() || n < 0 || n > 100000)
      throw bad(fmt::format("database '{}' is not a number", db));
    e.db = n;
  }
  return e;
}

}  // namespace rehome::engines
