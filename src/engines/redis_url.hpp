#pragma once
// Redis URLs: redis://[[user]:password@]host[:port][/db] and rediss:// (TLS), parsed by engines/url.
// The password is never required in the URL: the client takes REDISCLI_AUTH (as redis-cli does) when
// the URL has none.
#include <string>

namespace rehome::engines {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user (redis://user:pw@...), empty for the default user
  std::string password;  // from the URL; never printed
  int db = -1;           // /N in the URL, -1 when absent
  bool tls = false;      // rediss://
  std::string masked;    // the URL with the password as ***
};

// Throws UserError naming `flag` (e.g. "--from") when malformed.
RedisEndpoint parse_redis_url(const std::string& text, const std::string& flag);

}  // namespace rehome::engines
