#pragma once
// A hiredis connection with pipelining: queue many commands, then read all replies.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/redis_url.hpp"

struct redisContext;
struct redisReply;

namespace rehome::migrate {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  // Connects, authenticates and selects endpoint.db (if given); errors name `role` and the masked URL.
  RedisConnection(const RedisEndpoint& endpoint, std::string role);
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
  RedisEndpoint endpoint_;
  std::string role_;
  redisContext* context_ = nullptr;
};

// Reply helpers.
bool is_error(const redisReply* r);
std::string reply_string(const redisReply* r);  // string/status/error text ("" otherwise)
int64_t reply_integer(const redisReply* r);

}  // namespace rehome::migrate
