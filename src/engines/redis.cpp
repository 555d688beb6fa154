#include "engines/redis.hpp"

#include <hiredis/hiredis.h>

#include <cstdlib>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::engines {
namespace {

timeval to_timeval(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

}  // namespace

void RedisReplyDeleter::operator()(redisReply* r) const {
  if (r) freeReplyObject(r);
}

bool is_error(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_ERROR; }

std::string reply_string(const redisReply* r) {
  if (r == nullptr || r->str == nullptr) return {};
  return std::string(r->str, r->len);
}

int64_t reply_integer(const redisReply* r) { return r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0; }

RedisConnection::RedisConnection(const RedisEndpoint& endpoint, std::string role, RedisOptions options)
    : endpoint_(endpoint), role_(std::move(role)), options_(std::move(options)) {
  if (endpoint_.tls) {
    throw UserError(
        fmt::format("cannot connect to {}: rediss:// (TLS) is not supported by this build's hiredis",
                    describe()),
        "reach the server through a TLS tunnel (stunnel, ssh -L) and give a redis:// URL");
  }
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                     to_timeval(options_.connect_timeout_ms));
  if (context_ == nullptr || context_->err) {
    std::string why = context_ ? context_->errstr : "out of memory";
    throw UserError(fmt::format("cannot connect to {}: server unreachable ({})", describe(), why),
                    "check host and port, and that redis-server runs and listens there");
  }
  redisSetTimeout(context_, to_timeval(options_.command_timeout_ms));
  std::string password = endpoint_.password;
  const char* from_env = std::getenv("REDISCLI_AUTH");
  if (password.empty() && from_env != nullptr) password = from_env;
  if (!password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(password);
    auto r = command(auth, true);
    if (is_error(r.get())) {
      throw UserError(fmt::format("cannot connect to {}: wrong password ({})", describe(),
                                  mask_secrets(reply_string(r.get()))),
                      endpoint_.password.empty()
                          ? "check the password in REDISCLI_AUTH"
                          : "check the password in the URL (redis://:password@host:6379)");
    }
  }
  // A server that wants a password we did not give answers NOAUTH to the first real command.
  auto ping = command({"PING"}, true);
  if (is_error(ping.get())) {
    std::string why = reply_string(ping.get());
    throw UserError(
        fmt::format("cannot use {}: {}", describe(), why),
        why.find("NOAUTH") != std::string::npos
            ? "the server needs a password: set REDISCLI_AUTH, or give redis://:password@host:port"
            : "check the server");
  }
  if (endpoint_.db >= 0) select(endpoint_.db);
}

RedisConnection::~RedisConnection() {
  if (context_) redisFree(context_);
}

std::string RedisConnection::describe() const {
  if (role_.empty()) return "Redis at " + endpoint_.masked;
  return fmt::format("the {} Redis {}", role_, endpoint_.masked);
}

void RedisConnection::fail(const std::string& what) const {
  throw UserError(fmt::format("{} on {}: {}", what, describe(),
                              context_ && context_->err ? context_->errstr : "connection lost"),
                  "check that the server is still running");
}

void RedisConnection::append(const std::vector<std::string_view>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (auto a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()) !=
      REDIS_OK) {
    fail("queueing a command failed");
  }
}

RedisReplyPtr RedisConnection::reply() {
  void* r = nullptr;
  if (redisGetReply(context_, &r) != REDIS_OK || r == nullptr) fail("reading a reply failed");
  return RedisReplyPtr(static_cast<redisReply*>(r));
}

RedisReplyPtr RedisConnection::command(const std::vector<std::string_view>& argv, bool allow_error) {
  append(argv);
  auto r = reply();
  if (!allow_error && is_error(r.get())) {
    throw UserError(fmt::format("{} failed on {}: {}", argv.empty() ? "" : std::string(argv[0]), describe(),
                                mask_secrets(reply_string(r.get()))));
  }
  return r;
}

int RedisConnection::fd() const { return context_->fd; }

void RedisConnection::select(int db) {
  std::string n = std::to_string(db);
  auto r = command({"SELECT", n}, true);
  if (is_error(r.get())) {
    throw UserError(fmt::format("{} has no database {}: {}", describe(), db, reply_string(r.get())),
                    "raise `databases` in the target's redis.conf, or choose databases with --db");
  }
}

}  // namespace rehome::engines
