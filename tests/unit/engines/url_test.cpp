// URL parsing and masking of every engine's connection strings (engines/url, postgres_url, redis_url).
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "engines/postgres_url.hpp"
#include "engines/redis_url.hpp"
#include "engines/url.hpp"

namespace rehome::engines {
namespace {

TEST(Url, SplitsEveryEnginesUrl) {
  auto pg = parse_url("postgresql://app:p%40ss@db.example:5433/keycloak?sslmode=require", "--from");
  EXPECT_EQ(pg.scheme, "postgresql");
  EXPECT_EQ(pg.user, "app");
  EXPECT_EQ(pg.password, "p@ss");
  EXPECT_TRUE(pg.has_password);
  EXPECT_EQ(pg.host, "db.example");
  EXPECT_EQ(pg.port, 5433);
  EXPECT_EQ(pg.database(), "keycloak");
  EXPECT_EQ(pg.query, "sslmode=require");
  EXPECT_EQ(engine_of(pg.scheme), Engine::postgres);

  auto maria = parse_url("mariadb://root@10.0.0.80:3306/appwrite", "--from");
  EXPECT_EQ(maria.user, "root");
  EXPECT_FALSE(maria.has_password);
  EXPECT_EQ(maria.database(), "appwrite");
  EXPECT_EQ(engine_of("mysql"), Engine::mariadb);

  auto sock = parse_url("unix:///var/run/docker.sock", "--from-engine");
  EXPECT_EQ(sock.host, "");
  EXPECT_EQ(sock.path, "/var/run/docker.sock");
  EXPECT_EQ(engine_of(sock.scheme), Engine::docker);

  auto ssh = parse_url("ssh://deploy@10.0.0.84:2222", "--to-engine");
  EXPECT_EQ(ssh.user, "deploy");
  EXPECT_EQ(ssh.host, "10.0.0.84");
  EXPECT_EQ(ssh.port, 2222);
  EXPECT_EQ(engine_of(ssh.scheme), Engine::docker);

  auto v6 = parse_url("redis://[::1]:6380/2", "--to");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 6380);

  EXPECT_EQ(engine_of("http"), std::nullopt);
}

TEST(Url, RefusesWhatIsNotAUrlNamingTheFlagWithoutThePassword) {
  for (const char* bad : {"justtext", "host:5432", "postgresql://u:S3cret@h:99999/db", "redis://h:0", ""}) {
    try {
      parse_url(bad, "--from");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UserError& error) {
      std::string what = error.what();
      EXPECT_NE(what.find("--from"), std::string::npos) << what;
      EXPECT_EQ(what.find("S3cret"), std::string::npos) << what;
    }
  }
  EXPECT_EQ(try_parse_url("no scheme here"), std::nullopt);
  try {
    parse_url("redis://:S3cret@127.0.0.1:notaport", "--to");
    ADD_FAILURE() << "accepted a port that is not a number";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()),
              "--to redis://:***@127.0.0.1:notaport: port 'notaport' is not a port number");
  }
}

TEST(Url, MaskedNeverShowsThePassword) {
  EXPECT_EQ(parse_url("postgres://app:s3cr3t@127.0.0.1:5432/db", "-").masked(),
            "postgres://app:***@127.0.0.1:5432/db");
  EXPECT_EQ(parse_url("redis://:hunter2@127.0.0.1:6379/0", "-").masked(), "redis://:***@127.0.0.1:6379/0");
  // redis-cli's form: userinfo without ':' is the password, not a user name.
  auto bare = parse_url("redis://hunter2@cache:6379", "-");
  EXPECT_EQ(bare.password, "hunter2");
  EXPECT_EQ(bare.user, "");
  EXPECT_EQ(bare.masked(), "redis://***@cache:6379");
  // A password holding '@' percent-encoded, and one in the query (libpq reads ?password=).
  EXPECT_EQ(parse_url("mysql://u:a%40b@h/db", "-").masked(), "mysql://u:***@h/db");
  EXPECT_EQ(masked_url("postgresql://u@h/db?password=topsecret&sslmode=disable"),
            "postgresql://u@h/db?password=***&sslmode=disable");
  // No password: unchanged.
  EXPECT_EQ(parse_url("ssh://deploy@host", "-").masked(), "ssh://deploy@host");
  // Not a URL at all: the keyword masker of common/secrets.
  EXPECT_EQ(masked_url("host=h password=abc dbname=d"), "host=h password=*** dbname=d");
}

TEST(Url, WithoutPasswordAndWithPath) {
  EXPECT_EQ(parse_url("postgresql://app:p%40ss@127.0.0.1:5432/app", "-").without_password(),
            "postgresql://app@127.0.0.1:5432/app");
  EXPECT_EQ(parse_url("redis://:pw@h:6379/1", "-").without_password(), "redis://h:6379/1");
  EXPECT_EQ(parse_url("redis://127.0.0.1:6379", "-").without_password(), "redis://127.0.0.1:6379");
  EXPECT_EQ(with_database("postgresql://u:p@h:5432/app?connect_timeout=2", "other"),
            "postgresql://u:p@h:5432/other?connect_timeout=2");
  EXPECT_EQ(with_database("postgresql://u@h", "x"), "postgresql://u@h/x");
  EXPECT_EQ(with_database("host=h user=u", "x"), "host=h user=u dbname='x'");
}

TEST(PostgresUrl, ParsedByLibpq) {
  PgEndpoint e = parse_pg_url("postgresql://app:s3cret@db.example:5433/keycloak", "--from");
  EXPECT_EQ(e.host, "db.example");
  EXPECT_EQ(e.port, "5433");
  EXPECT_EQ(e.database, "keycloak");
  EXPECT_EQ(e.user, "app");
  EXPECT_TRUE(e.has_password);
  EXPECT_EQ(e.masked, "postgresql://app:***@db.example:5433/keycloak");
  auto child = for_child_process(e);
  EXPECT_EQ(child.password, "s3cret");
  EXPECT_EQ(child.conninfo_without_password.find("s3cret"), std::string::npos);
  EXPECT_NE(child.conninfo_without_password.find("dbname='keycloak'"), std::string::npos);
  EXPECT_EQ(parse_pg_url("host=h dbname=d password=x", "--to").database, "d");
  // No password in the URL is fine: libpq finds it in ~/.pgpass, PGPASSFILE or PGPASSWORD.
  EXPECT_FALSE(parse_pg_url("postgres://app@h/app", "--to").has_password);
  EXPECT_EQ(parse_pg_url("postgresql://h:5432", "--to", PgDatabase::optional).database, "");
  for (const char* bad : {"", "mysql://h/db", "postgresql://h:port/db", "postgresql://h:5432", "justtext"}) {
    try {
      parse_pg_url(bad, "--from");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find("--from"), std::string::npos) << error.what();
    }
  }
  try {
    parse_pg_url("postgresql://u:Pa55word@h:x/db", "--to");
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()).find("Pa55word"), std::string::npos) << error.what();
  }
}

TEST(RedisUrl, HostPortDatabaseAndPassword) {
  RedisEndpoint e = parse_redis_url("redis://:pw@10.0.0.5:6380/3", "--from");
  EXPECT_EQ(e.host, "10.0.0.5");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.password, "pw");
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.masked, "redis://:***@10.0.0.5:6380/3");
  EXPECT_EQ(parse_redis_url("redis://cache", "--to").port, 6379);
  EXPECT_EQ(parse_redis_url("redis://cache", "--to").db, -1);
  EXPECT_EQ(parse_redis_url("redis://user:pw@cache:1", "--to").user, "user");
  EXPECT_TRUE(parse_redis_url("rediss://cache:6380", "--to").tls);
  EXPECT_THROW(parse_redis_url("http://x", "--to"), UserError);
  EXPECT_THROW(parse_redis_url("redis://h:0", "--to"), UserError);
  EXPECT_THROW(parse_redis_url("redis://h/x", "--to"), UserError);
}

}  // namespace
}  // namespace rehome::engines
