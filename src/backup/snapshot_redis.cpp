#include <hiredis/hiredis.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "backup/url.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

class Redis {
 public:
  Redis(const std::string& url) : masked_(mask_url(url)) {
    auto hp = host_port(url, 6379);
    timeval timeout{5, 0};
    ctx_ = redisConnectWithTimeout(hp.host.c_str(), hp.port, timeout);
    if (!ctx_ || ctx_->err)
      throw UserError(
          fmt::format("cannot connect to Redis at {}: {}", masked_, ctx_ ? ctx_->errstr : "out of memory"),
          "check that Redis runs and the address and port");
    auto split = split_password(url);
    if (!split.password.empty()) {
      auto r =
          hp.user.empty() ? command({"AUTH", split.password}) : command({"AUTH", hp.user, split.password});
      if (r->type == REDIS_REPLY_ERROR)
        throw UserError(fmt::format("Redis at {} refused the password", masked_),
                        "check the password in the URL");
    }
  }
  ~Redis() {
    if (ctx_) redisFree(ctx_);
  }

  Reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!r)
      throw UserError(fmt::format("Redis at {} stopped answering: {}", masked_, ctx_->errstr),
                      "check the server");
    return Reply(r, &freeReplyObject);
  }

  std::int64_t integer(const std::vector<std::string>& args) {
    auto r = command(args);
    if (r->type != REDIS_REPLY_INTEGER) throw error(args[0], r.get());
    return r->integer;
  }

  std::string config(const std::string& key) {
    auto r = command({"CONFIG", "GET", key});
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) throw error("CONFIG GET", r.get());
    return std::string(r->element[1]->str, r->element[1]->len);
  }

  UserError error(const std::string& what, redisReply* r) {
    std::string text = r && r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : "unexpected reply";
    return UserError(fmt::format("Redis at {}: {} failed: {}", masked_, what, text),
                     "the user needs BGSAVE, LASTSAVE and CONFIG (or give a URL of an admin user)");
  }

  const std::string& masked() const { return masked_; }

 private:
  redisContext* ctx_ = nullptr;
  std::string masked_;
};

// Waits for a fresh RDB: LASTSAVE moves past `before` and no save is in progress.
void wait_for_save(Redis& redis, std::int64_t before) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(2);
  while (std::chrono::steady_clock::now() < deadline) {
    if (redis.integer({"LASTSAVE"}) > before) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw UserError(fmt::format("Redis at {}: BGSAVE did not finish within 2 hours", redis.masked()),
                  "check the Redis log (disk full? fork failed?)");
}

}  // namespace

Artefact snapshot_redis(const std::string& url, const fs::path& folder) {
  Redis redis(url);
  auto hp = host_port(url, 6379);
  Artefact a;
  a.kind = "redis";
  a.source = redis.masked();
  a.name = safe_name(fmt::format("redis-{}-{}.rdb", hp.host, hp.port));

  std::int64_t before = redis.integer({"LASTSAVE"});
  // LASTSAVE has one-second resolution: start the save in a later second than the previous one.
  while (static_cast<std::int64_t>(std::time(nullptr)) <= before)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto r = redis.command({"BGSAVE"});
  if (r->type == REDIS_REPLY_ERROR && std::string(r->str).find("in progress") == std::string::npos)
    throw redis.error("BGSAVE", r.get());
  if (r->type == REDIS_REPLY_ERROR) {  // someone else's save is running: wait for it, then take ours
    wait_for_save(redis, before);
    before = redis.integer({"LASTSAVE"});
    while (static_cast<std::int64_t>(std::time(nullptr)) <= before)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = redis.command({"BGSAVE"});
    if (r->type == REDIS_REPLY_ERROR) throw redis.error("BGSAVE", r.get());
  }
  wait_for_save(redis, before);
  a.time = redis.integer({"LASTSAVE"});

  fs::path rdb = fs::path(redis.config("dir")) / redis.config("dbfilename");
  fs::path partial = folder / (a.name + ".partial");
  std::error_code ec;
  if (fs::is_regular_file(rdb, ec)) {
    // Redis replaces the RDB by rename, so the copy reads one complete file even if another save starts.
    fs::copy_file(rdb, partial, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      fs::remove(partial);
      throw UserError(fmt::format("cannot copy the RDB {} of {}: {}", rdb.string(), a.source, ec.message()),
                      "check that the backup folder is writable and the disk is not full");
    }
  } else {
    auto cli = require_program("redis-cli", "redis-tools");
    auto split = split_password(url);
    ProcessOptions opts;
    if (!split.password.empty()) opts.env["REDISCLI_AUTH"] = split.password;
    auto res = run_process(
        {cli.string(), "-h", hp.host, "-p", std::to_string(hp.port), "--rdb", partial.string()}, opts);
    if (!res.ok()) {
      fs::remove(partial, ec);
      throw UserError(fmt::format("redis-cli --rdb from {} failed: {}", a.source, mask_secrets(res.err)),
                      "check the backup folder and that the user may SYNC");
    }
  }
  seal_artefact(partial, folder / a.name, a);
  return a;
}

}  // namespace rehome::backup
