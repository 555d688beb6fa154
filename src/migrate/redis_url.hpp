#pragma once
// Pure: Redis URLs and the --db option.
#include <string>
#include <vector>

namespace rehome::migrate {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // ACL user (redis://user:pw@...), empty for the default user
  std::string password;  // never printed
  int db = -1;           // /N in the URL, -1 when absent
  std::string masked;    // the URL with the password as ***
};

// redis://[[user]:password@]host[:port][/db]. Throws UserError naming `flag` when malformed.
RedisEndpoint parse_redis_url(const std::string& text, const std::string& flag);

// "all" -> {} (every database that holds keys); "3" -> {3}; "0,2" -> {0, 2}.
std::vector<int> parse_redis_db_option(const std::string& text);

}  // namespace rehome::migrate
