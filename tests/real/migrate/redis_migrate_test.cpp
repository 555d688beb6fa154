// rehome migrate redis against real redis-servers: all types, TTLs, several databases, kill -9 and
// resume, bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "migrate_fixture.hpp"
#include "real/harness/redis_server.hpp"
#include "real/harness/server_process.hpp"

using namespace rehome::test;

namespace {

void fill_redis(const RedisServer& redis, int many_keys) {
  std::ostringstream db0;
  for (int i = 0; i < many_keys; ++i) db0 << "SET key:" << i << " value-" << i << "\n";
  for (int i = 0; i < 100; ++i) db0 << "SET session:" << i << " s" << i << " EX 3600\n";
  db0 << "HSET user:1 name ada lang ✓ age 36\nRPUSH queue a b c d\nSADD tags x y z\nZADD board 1 a 2.5 b\n"
      << "XADD events * k v\nPFADD visitors u1 u2 u3\n";
  redis.pipe(db0.str(), 0);
  redis.pipe("SET a 1\nSET b 2 PX 900000\nHSET h f v\n", 1);
  redis.pipe("SET other 5\n", 5);
  redis.cli({"SET", "binary", std::string("\x01\x02 \xff", 4)}, 5);
}

std::string migrate_state(const TempDir& dir) { return "--state=" + (dir.path / "redis.json").string(); }

void expect_same(const RedisServer& a, const RedisServer& b) {
  for (int db : {0, 1, 5}) EXPECT_EQ(a.cli({"DBSIZE"}, db), b.cli({"DBSIZE"}, db)) << "db " << db;
  EXPECT_EQ(b.cli({"HGET", "user:1", "lang"}, 0), "✓");
  EXPECT_EQ(b.cli({"LRANGE", "queue", "0", "-1"}, 0), "a\nb\nc\nd");
  EXPECT_EQ(b.cli({"ZSCORE", "board", "b"}, 0), "2.5");
  EXPECT_GT(std::stoll(b.cli({"TTL", "session:7"}, 0)), 3500);  // TTL kept
  EXPECT_EQ(b.cli({"TTL", "key:7"}, 0), "-1");                  // and no TTL where none was
  EXPECT_GT(std::stoll(b.cli({"PTTL", "b"}, 1)), 800000);
  EXPECT_EQ(b.cli({"GET", "other"}, 5), "5");
}

}  // namespace

TEST(MigrateRedis, CopiesAllDatabasesWithTtlsAndVerifies) {
  RedisServer source({.password = "Src-S3cret"}), target({.password = "Tgt-S3cret"});
  fill_redis(source, 5000);
  TempDir dir;
  auto run = run_rehome(
      {"migrate", "redis", "--from", source.url(), "--to", target.url(), migrate_state(dir), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.find("S3cret"), std::string::npos) << run.output;
  auto j = nlohmann::json::parse(run.output.substr(run.output.find("\n{") + 1));
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["databases"].size(), 3u);
  expect_same(source, target);

  // A changed value on the target is caught and named.
  target.cli({"SET", "key:42", "changed"}, 0);
  auto check =
      run_rehome({"migrate", "redis", "--from", source.url(), "--to", target.url(), migrate_state(dir)});
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("key:42"), std::string::npos) << check.output;
}

TEST(MigrateRedis, ResumesAfterKill) {
  RedisServer source, target;
  fill_redis(source, 30000);
  TempDir dir;
  std::vector<std::string> args = {"migrate",    "redis",   "--from", source.url(),      "--to",
                                   target.url(), "--batch", "500",    migrate_state(dir)};
  run_rehome_and_kill_at(args, "redis:0");
  auto partial = std::stoll(target.cli({"DBSIZE"}, 0));
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, 30000);
  auto run = run_rehome(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("resumed"), std::string::npos) << run.output;
  expect_same(source, target);
}

TEST(MigrateRedis, BadInput) {
  RedisServer source({.password = "Src-S3cret"}), target;
  source.cli({"SET", "k", "v"});
  target.cli({"SET", "already", "here"});
  TempDir dir;
  auto expect_clear = [](const RehomeRun& run, const std::string& words) {
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find(words), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("S3cret"), std::string::npos) << run.output;
  };
  auto migrate = [&](const std::string& from, const std::string& to, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"migrate", "redis", "--from", from, "--to", to, migrate_state(dir)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_rehome(args);
  };
  expect_clear(migrate("http://x", target.url()), "not a redis:// URL");
  expect_clear(migrate(source.url(), "redis://127.0.0.1:notaport"), "is not a port number");
  expect_clear(migrate(source.url_with_password("Wrong-S3cret"), target.url()), "wrong password");
  expect_clear(migrate(source.url_with_password(""), target.url()), "NOAUTH");
  expect_clear(migrate(source.url(), "redis://127.0.0.1:" + std::to_string(free_port())),
               "server unreachable");
  expect_clear(migrate(source.url(), target.url()), "is not empty");
  auto ok = migrate(source.url(), target.url(), {"--truncate"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(target.cli({"EXISTS", "already"}), "0");
}

// Values past the batch's byte budget (dumped one by one) and a hash big enough to be a hash table,
// whose DUMP order may differ on the target (compared member by member, not reported).
TEST(MigrateRedis, BigValuesAndBigHash) {
  RedisServer source, target;
  std::ostringstream big;  // three 3 MB strings, appended 64 KB at a time (argv has a size limit)
  for (int i = 0; i < 3; ++i) {
    for (int chunk = 0; chunk < 48; ++chunk)
      big << "APPEND big:" << i << " " << std::string(64 << 10, static_cast<char>('a' + chunk % 26)) << "\n";
  }
  source.pipe(big.str(), 0);
  std::ostringstream hash;
  hash << "HSET wide";
  for (int i = 0; i < 2000; ++i) hash << " field-" << i << " value-" << i;
  hash << "\n";
  for (int i = 0; i < 2000; ++i) hash << "SET small:" << i << " v" << i << "\n";
  source.pipe(hash.str(), 0);
  TempDir dir;
  auto run = run_rehome(
      {"migrate", "redis", "--from", source.url(), "--to", target.url(), migrate_state(dir), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto j = nlohmann::json::parse(run.output.substr(run.output.find("\n{") + 1));
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(target.cli({"DBSIZE"}), source.cli({"DBSIZE"}));
  EXPECT_EQ(target.cli({"STRLEN", "big:2"}), std::to_string(48 << 16));
  EXPECT_EQ(target.cli({"HGET", "wide", "field-1999"}), "value-1999");
}
