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

// Keys of a database, rehome's run record (_rehome:migrate:run, on a target) not counted.
long long user_keys(const RedisServer& r, int db) {
  return std::stoll(r.cli({"DBSIZE"}, db)) - std::stoll(r.cli({"EXISTS", "_rehome:migrate:run"}, db));
}

void expect_same(const RedisServer& a, const RedisServer& b) {
  for (int db : {0, 1, 5}) EXPECT_EQ(user_keys(a, db), user_keys(b, db)) << "db " << db;
  EXPECT_EQ(b.cli({"HGET", "user:1", "lang"}, 0), "✓");
  EXPECT_EQ(b.cli({"LRANGE", "queue", "0", "-1"}, 0), "a\nb\nc\nd");
  EXPECT_EQ(b.cli({"ZSCORE", "board", "b"}, 0), "2.5");
  EXPECT_GT(std::stoll(b.cli({"TTL", "session:7"}, 0)), 3500);  // TTL kept
  EXPECT_EQ(b.cli({"TTL", "key:7"}, 0), "-1");                  // and no TTL where none was
  EXPECT_GT(std::stoll(b.cli({"PTTL", "b"}, 1)), 800000);
  EXPECT_EQ(b.cli({"GET", "other"}, 5), "5");
}

// `rehome migrate redis` from source to target with SCAN steps of `batch` keys.
std::vector<std::string> migrate_args(const RedisServer& source, const RedisServer& target,
                                      const std::string& batch, const TempDir& dir) {
  return {"migrate",    "redis",   "--from", source.url(),      "--to",
          target.url(), "--batch", batch,    migrate_state(dir)};
}

// Runs rehome until its first batch is proved, kills it (-9) there, and checks that database 0 of the
// target holds some but not all of the source's `all` keys.
void kill_after_first_batch(const std::vector<std::string>& args, const RedisServer& target, long long all) {
  run_rehome_and_kill_at(args, "redis:0");
  auto partial = user_keys(target, 0);
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, all);
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
  auto args = migrate_args(source, target, "500", dir);
  kill_after_first_batch(args, target, 30000);
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
  EXPECT_EQ(user_keys(target, 0), user_keys(source, 0));
  EXPECT_EQ(target.cli({"STRLEN", "big:2"}), std::to_string(48 << 16));
  EXPECT_EQ(target.cli({"HGET", "wide", "field-1999"}), "value-1999");
}

// Databases without a TTL go by value (SCAN, MGET inside MULTI, MSET, MGET read-back) and their other
// types by DUMP/RESTORE; killed after the first batch and resumed, then a changed string and a changed
// hash member on the target are found and named. --method dump copies the same data key by key.
TEST(MigrateRedis, ByValueResumesAfterKillAndNamesDifferences) {
  RedisServer source, target;
  std::ostringstream db0, db3;
  for (int i = 0; i < 30000; ++i) db0 << "SET key:" << i << " value-" << i << "\n";
  for (int i = 0; i < 300; ++i)
    db0 << "HSET hash:" << i << " f " << i << " g x\nRPUSH list:" << i << " a b\n";
  db0 << "SET number 12345\nSADD tags x y z\nZADD board 1 a 2.5 b\n";
  source.pipe(db0.str(), 0);
  for (int i = 0; i < 2000; ++i)
    db3 << "SET s:" << i << " " << std::string(static_cast<size_t>(1 + i % 300), 'v') << "\n";
  source.pipe(db3.str(), 3);
  source.cli({"SET", "binary", std::string("\x01\x02 \r\n\xff", 6)}, 3);
  TempDir dir;
  auto args = migrate_args(source, target, "500", dir);
  kill_after_first_batch(args, target, 30603);
  args.push_back("--json");
  auto run = run_rehome(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto j = nlohmann::json::parse(run.output.substr(run.output.find("\n{") + 1));
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_TRUE(j["resumed"].get<bool>());
  EXPECT_GT(j["keys_by_value"].get<int64_t>(), 0);
  for (int db : {0, 3}) EXPECT_EQ(user_keys(source, db), user_keys(target, db)) << "db " << db;
  EXPECT_EQ(target.cli({"GET", "key:29999"}, 0), "value-29999");
  EXPECT_EQ(target.cli({"HGET", "hash:299", "f"}, 0), "299");
  EXPECT_EQ(target.cli({"LRANGE", "list:7", "0", "-1"}, 0), "a\nb");
  EXPECT_EQ(target.cli({"ZSCORE", "board", "b"}, 0), "2.5");
  EXPECT_EQ(target.cli({"TTL", "key:7"}, 0), "-1");
  EXPECT_EQ(target.cli({"STRLEN", "s:299"}, 3), "300");
  EXPECT_EQ(target.cli({"STRLEN", "binary"}, 3), "6");

  target.cli({"SET", "key:4242", "changed"}, 0);
  target.cli({"HSET", "hash:17", "f", "changed"}, 0);
  auto check =
      run_rehome({"migrate", "redis", "--from", source.url(), "--to", target.url(), migrate_state(dir)});
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("key:4242"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("hash:17"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("2 keys differ"), std::string::npos) << check.output;

  RedisServer again;
  TempDir dir2;
  auto dump = run_rehome({"migrate", "redis", "--from", source.url(), "--to", again.url(), "--method", "dump",
                          migrate_state(dir2), "--json"});
  ASSERT_EQ(dump.exit_code, 0) << dump.output;
  auto jd = nlohmann::json::parse(dump.output.substr(dump.output.find("\n{") + 1));
  EXPECT_TRUE(jd["verified"].get<bool>());
  EXPECT_EQ(jd["keys_by_value"].get<int64_t>(), 0);
  for (int db : {0, 3}) EXPECT_EQ(user_keys(source, db), user_keys(again, db)) << "db " << db;
  EXPECT_EQ(again.cli({"GET", "key:4242"}, 0), "value-4242");
}

// A TTL set on the source between two runs: the rest of that database goes with PTTL per key (by
// value, PEXPIRE on the target) and keeps it; --method dump (DUMP script per SCAN step) keeps them
// too; a bad --method is refused.
TEST(MigrateRedis, TtlAppearingBetweenRunsIsKeptAndBadMethod) {
  RedisServer source, target;
  std::ostringstream db0;
  for (int i = 0; i < 20000; ++i) db0 << "SET key:" << i << " v" << i << "\n";
  source.pipe(db0.str(), 0);
  TempDir dir;
  auto args = migrate_args(source, target, "200", dir);
  kill_after_first_batch(args, target, 20000);
  for (int i = 0; i < 20000; i += 97) source.cli({"EXPIRE", "key:" + std::to_string(i), "3600"}, 0);
  auto run = run_rehome(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(user_keys(source, 0), user_keys(target, 0));
  EXPECT_EQ(target.cli({"GET", "key:19999"}, 0), "v19999");
  // 207 keys got a TTL; all but those copied before the kill (the first batch) keep it on the target.
  std::string info = target.cli({"INFO", "keyspace"}, 0);
  auto expires = info.find("expires=");
  ASSERT_NE(expires, std::string::npos) << info;
  EXPECT_GT(std::stoll(info.substr(expires + 8)), 150) << info;

  RedisServer again;
  TempDir dir2;
  auto dump = run_rehome({"migrate", "redis", "--from", source.url(), "--to", again.url(), "--method", "dump",
                          migrate_state(dir2)});
  ASSERT_EQ(dump.exit_code, 0) << dump.output;
  EXPECT_EQ(user_keys(source, 0), user_keys(again, 0));
  EXPECT_GT(std::stoll(again.cli({"TTL", "key:97"}, 0)), 3500);
  EXPECT_EQ(again.cli({"TTL", "key:98"}, 0), "-1");

  auto bad = run_rehome({"migrate", "redis", "--from", source.url(), "--to", target.url(), "--method", "copy",
                         migrate_state(dir)});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--method must be auto or dump"), std::string::npos) << bad.output;
}

// The resume state bound to the target (issue 22): the run record on the target, "already complete" on
// a re-run, a flushed target found stale and started over, another run's record refused until --truncate.
TEST(MigrateRedis, StateBoundToTheTargetsRunRecord) {
  RedisServer source, target;
  fill_redis(source, 2000);
  TempDir dir;
  auto args = [&](const std::string& work) {
    return std::vector<std::string>{"migrate",
                                    "redis",
                                    "--from",
                                    source.url(),
                                    "--to",
                                    target.url(),
                                    "--work-dir=" + (dir.path / work).string()};
  };
  ASSERT_EQ(run_rehome(args("a")).exit_code, 0);
  const std::string run_a = target.cli({"HGET", "_rehome:migrate:run", "run_id"}, 0);
  EXPECT_EQ(run_a.size(), 16u);
  EXPECT_FALSE(target.cli({"HGET", "_rehome:migrate:run", "finished_at"}, 0).empty());

  auto again = run_rehome(args("a"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already complete: run " + run_a), std::string::npos) << again.output;

  // The target emptied (as a recreated server would be), the same command: stale, starts over.
  target.cli({"FLUSHALL"});
  auto over = run_rehome(args("a"));
  ASSERT_EQ(over.exit_code, 0) << over.output;
  EXPECT_NE(over.output.find("is stale: the target has no trace of its run " + run_a), std::string::npos)
      << over.output;
  expect_same(source, target);

  // Another run (another work folder, --truncate) replaced the record: the first state is refused.
  auto other = args("b");
  other.push_back("--truncate");
  ASSERT_EQ(run_rehome(other).exit_code, 0);
  auto refused = run_rehome(args("a"));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("carries another run"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--truncate"), std::string::npos) << refused.output;
  auto truncate = args("a");
  truncate.push_back("--truncate");
  auto run = run_rehome(truncate);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("starting over"), std::string::npos) << run.output;
  expect_same(source, target);
}
