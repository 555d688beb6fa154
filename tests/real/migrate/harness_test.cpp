// The real-server fixtures themselves: they start, answer, honour passwords and leave nothing behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "real/harness/postgres_server.hpp"
#include "real/harness/redis_server.hpp"

using namespace rehome::test;

TEST(Harness, PostgresStartsAnswersAndCleansUp) {
  std::filesystem::path folder;
  pid_t pid = -1;
  {
    PostgresServer pg;
    folder = pg.folder();
    pid = pg.pid();
    EXPECT_GT(pg.port(), 0);
    EXPECT_EQ(pg.psql("SELECT 1 + 1"), "2");
    EXPECT_EQ(pg.psql("SHOW wal_level"), "replica");
    pg.create_database("appdb");
    EXPECT_EQ(pg.psql("SELECT current_database()", "appdb"), "appdb");
    pg.stop();
    EXPECT_FALSE(pg.running());
    pg.start();
    EXPECT_EQ(pg.psql("SELECT 3"), "3");
    pid = pg.pid();
  }
  EXPECT_FALSE(std::filesystem::exists(folder));
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(Harness, PostgresWithPassword) {
  PostgresServer pg({.password = "s3cret"});
  EXPECT_NE(pg.url().find(":s3cret@127.0.0.1"), std::string::npos);
  EXPECT_EQ(pg.psql("SELECT 1"), "1");
}

TEST(Harness, RedisStartsWithPassword) {
  std::filesystem::path folder;
  {
    RedisServer redis({.password = "pw"});
    folder = redis.folder();
    redis.cli({"SET", "a", "1"}, 3);
    EXPECT_EQ(redis.cli({"GET", "a"}, 3), "1");
    redis.pipe("SET b 2\nSET c 3\n", 1);
    EXPECT_EQ(redis.cli({"DBSIZE"}, 1), "2");
    EXPECT_EQ(redis.url(2), "redis://:pw@127.0.0.1:" + std::to_string(redis.port()) + "/2");
  }
  EXPECT_FALSE(std::filesystem::exists(folder));
}
