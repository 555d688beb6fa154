#pragma once
// The one Redis client (hiredis): connect, AUTH (the URL's password, else REDISCLI_AUTH as redis-cli
// reads it), SELECT, commands and pipelining. Errors are UserErrors naming the server (password masked)
// and what to do.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engines/redis_url.hpp"

struct redisContext;
struct redisReply;

namespace rehome::engines {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

struct RedisOptions {
  int connect_timeout_ms = 10'000;
  int command_timeout_ms = 300'000;
};

class RedisConnection {
 public:
  // Connects, authenticates, checks with PING and selects endpoint.db (if given). `role` ("source",
  // "target") appears in messages ("the source Redis redis://..."); empty: "Redis at redis://...".
  RedisConnection(const RedisEndpoint& endpoint, std::string role = "", RedisOptions options = {});
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // One command, one reply; an error reply throws UserError unless `allow_error`.
  RedisReplyPtr command(const std::vector<std::string_view>& argv, bool allow_error = false);
  // Pipelining: append(...) any number of times, then reply() once per appended command, in order.
  void append(const std::vector<std::string_view>& argv);
  RedisReplyPtr reply();
  void select(int db);
  // The socket, for RespStream; only between commands (every reply read).
  int fd() const;

  const std::string& masked_url() const { return endpoint_.masked; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  std::string describe() const;
  RedisEndpoint endpoint_;
  std::string role_;
  RedisOptions options_;
  redisContext* context_ = nullptr;
};

// Reply helpers.
bool is_error(const redisReply* r);
std::string reply_string(const redisReply* r);  // string/status/error text ("" otherwise)
int64_t reply_integer(const redisReply* r);

}  // namespace rehome::engines
