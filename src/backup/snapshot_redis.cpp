#include <hiredis/hiredis.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "backup/artefacts.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "engines/redis.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

// The few commands a snapshot needs, on the one Redis client (engines/redis.hpp).
class Redis {
 public:
  explicit Redis(const engines::RedisEndpoint& endpoint)
      : conn_(endpoint, "", engines::RedisOptions{.connect_timeout_ms = 5000}) {}

  // Error replies come back to the caller (BGSAVE's "already in progress" is one to wait on).
  engines::RedisReplyPtr command(const std::vector<std::string>& args) {
    return conn_.command(std::vector<std::string_view>(args.begin(), args.end()), true);
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
    return UserError(fmt::format("Redis at {}: {} failed: {}", masked(), what, text),
                     "the user needs BGSAVE, LASTSAVE and CONFIG (or give a URL of an admin user)");
  }

  const std::string& masked() const { return conn_.masked_url(); }

 private:
  engines::RedisConnection conn_;
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
  auto endpoint = engines::parse_redis_url(url, "--url");
  Redis redis(endpoint);
  Artefact a;
  a.kind = "redis";
  a.source = redis.masked();
  a.name = safe_name(fmt::format("redis-{}-{}.rdb", endpoint.host, endpoint.port));

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
      std::error_code size_ec, space_ec;
      auto need = fs::file_size(rdb, size_ec);
      auto space = fs::space(folder, space_ec);
      fs::remove(partial, size_ec);
      // copy_file_range on a full tmpfs says EIO: the free space says what happened.
      std::string why = !space_ec && space.available < need
                            ? fmt::format("No space left on {} ({} free, the RDB is {})", folder.string(),
                                          space.available, need)
                            : ec.message();
      throw UserError(fmt::format("cannot copy the RDB {} of {}: {}", rdb.string(), a.source, why),
                      "check that the backup folder is writable and the disk is not full");
    }
  } else {
    auto cli = require_program("redis-cli", "redis-tools");
    ProcessOptions opts;  // without a password in the URL, redis-cli reads REDISCLI_AUTH itself
    if (!endpoint.password.empty()) opts.env["REDISCLI_AUTH"] = endpoint.password;
    auto res = run_process(
        {cli.string(), "-h", endpoint.host, "-p", std::to_string(endpoint.port), "--rdb", partial.string()},
        opts);
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
