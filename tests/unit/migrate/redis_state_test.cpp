// Pure pieces of rehome migrate redis: INFO keyspace parsing and the state file's text read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "migrate/redis/state.hpp"

using namespace rehome;
using namespace rehome::migrate;

TEST(RedisKeyspace, ParsesEveryDatabaseLine) {
  auto dbs = parse_keyspace(
      "# Keyspace\r\ndb0:keys=12,expires=0,avg_ttl=0\r\ndb5:keys=3,expires=2,avg_ttl=900\r\n"
      "db15:keys=100000,expires=7,avg_ttl=1,subexpiry=0\r\n");
  ASSERT_EQ(dbs.size(), 3u);
  EXPECT_EQ(dbs[0].keys, 12);
  EXPECT_EQ(dbs[0].expires, 0);
  EXPECT_EQ(dbs[5].keys, 3);
  EXPECT_EQ(dbs[5].expires, 2);
  EXPECT_EQ(dbs[15].keys, 100000);
  EXPECT_EQ(dbs[15].expires, 7);
}

TEST(RedisKeyspace, EmptyServerHasNoDatabase) {
  EXPECT_TRUE(parse_keyspace("# Keyspace\r\n").empty());
  EXPECT_TRUE(parse_keyspace("").empty());
}

TEST(RedisState, JsonReadsBack) {
  RedisState s{.fingerprint = "a:1|b:2|0,5", .verified = false};
  s.dbs[0] = {.cursor = "1234", .started = true, .done = false, .keys = 4000};
  s.dbs[5] = {.cursor = "0", .started = true, .done = true, .keys = 3};
  std::string text = redis_state_json(s, "redis://a:1", "redis://b:2");
  EXPECT_NE(text.find("\"kind\": \"rehome-migrate-redis-state\""), std::string::npos);
  EXPECT_NE(text.find("\"source\": \"redis://a:1\""), std::string::npos);
  EXPECT_EQ(text.back(), '\n');

  auto path = std::filesystem::temp_directory_path() / ("rehome-redis-state-" + std::to_string(getpid()));
  std::ofstream(path) << text;
  RedisState back = load_redis_state(path);
  std::filesystem::remove(path);
  EXPECT_EQ(back.fingerprint, s.fingerprint);
  EXPECT_FALSE(back.verified);
  ASSERT_EQ(back.dbs.size(), 2u);
  EXPECT_EQ(back.dbs[0].cursor, "1234");
  EXPECT_TRUE(back.dbs[0].started);
  EXPECT_FALSE(back.dbs[0].done);
  EXPECT_EQ(back.dbs[0].keys, 4000);
  EXPECT_TRUE(back.dbs[5].done);
  EXPECT_EQ(redis_state_json(back, "redis://a:1", "redis://b:2"), text);
}

TEST(RedisState, AnotherFileIsAUserError) {
  auto path = std::filesystem::temp_directory_path() / ("rehome-redis-state-bad-" + std::to_string(getpid()));
  std::ofstream(path) << R"({"kind": "rehome-migrate-state"})";
  EXPECT_THROW(load_redis_state(path), UserError);
  std::filesystem::remove(path);
}
