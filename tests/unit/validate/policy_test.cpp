#include <gtest/gtest.h>

#include "common/error.hpp"
#include "validate/policy.hpp"
#include "validate/targets.hpp"

namespace rehome::validate {
namespace {

TEST(Policy, LatencyOverTargetIsPartial) {
  EXPECT_EQ(latency_outcome(12, 200), Outcome::passed);
  EXPECT_EQ(latency_outcome(285, 200), Outcome::partial);  // 000: "Query time: 285ms (target < 200ms)"
}

TEST(Policy, HealthAnswers) {
  std::string why;
  EXPECT_EQ(health_outcome(200, R"({"status":"UP"})", why), Outcome::passed);
  EXPECT_EQ(health_outcome(200, "ok", why), Outcome::passed);
  EXPECT_EQ(health_outcome(200, R"({"status":"DOWN"})", why), Outcome::partial);
  EXPECT_NE(why.find("DOWN"), std::string::npos);
  EXPECT_EQ(health_outcome(503, "", why), Outcome::failed);
}

TEST(Policy, PrometheusTargets) {
  std::string why;
  EXPECT_EQ(prometheus_outcome(R"({"data":{"activeTargets":[{"health":"up"},{"health":"up"}]}})", why),
            Outcome::passed);
  EXPECT_EQ(
      prometheus_outcome(
          R"({"data":{"activeTargets":[{"health":"up"},{"health":"down","labels":{"job":"node","instance":"h:9100"}}]}})",
          why),
      Outcome::partial);
  EXPECT_NE(why.find("node@h:9100"), std::string::npos);
  EXPECT_EQ(prometheus_outcome(R"({"data":{"activeTargets":[]}})", why), Outcome::failed);
  EXPECT_EQ(prometheus_outcome("<html>", why), Outcome::failed);
}

TEST(Policy, Urls) {
  auto u = parse_http_url("http://127.0.0.1:8080/actuator/health");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/actuator/health");
  EXPECT_EQ(parse_http_url("http://example")->port, 80);
  EXPECT_FALSE(parse_http_url("https://x/"));
  EXPECT_EQ(parse_host_port("[::1]:22")->first, "::1");
  EXPECT_FALSE(parse_host_port("host:99999"));
  EXPECT_FALSE(parse_host_port("nohost"));
}

TEST(Policy, Meminfo) {
  auto share = memory_used_share("MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:   250 kB\n");
  ASSERT_TRUE(share);
  EXPECT_DOUBLE_EQ(*share, 0.75);
  EXPECT_FALSE(memory_used_share("garbage"));
}

TEST(Policy, ListeningAddressesFromProcNetTcp) {
  std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1\n"
      "   1: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2\n"
      "   2: 0100007F:1538 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 3\n";
  EXPECT_EQ(listening_addresses(tcp, 8080), (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_EQ(listening_addresses(tcp, 5432), (std::vector<std::string>{"0.0.0.0"}));
  std::string tcp6 =
      "  sl  local_address                         remote_address                        st\n"
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A\n"
      "   1: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A\n";
  EXPECT_EQ(listening_addresses(tcp6, 8080), (std::vector<std::string>{"::1"}));
  EXPECT_EQ(listening_addresses(tcp6, 5432), (std::vector<std::string>{"::"}));
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
}

TEST(Policy, ExpandsVariablesFromTheCredentials) {
  EXPECT_EQ(expand_variables("postgres://u:${PW}@h/$DB", {{"PW", "x"}, {"DB", "d"}}), "postgres://u:x@h/d");
  EXPECT_EQ(expand_variables("cost $5 and ${UNSET_REHOME_VAR}.", {}), "cost $5 and .");
}

TEST(Targets, ParsesEverySection) {
  auto t = parse_targets(R"(
query_latency_target: 150ms
databases:
  shop-postgres: {url: "postgres://u@127.0.0.1:5432/shop", query: "select count(*) from orders"}
  shop-redis: redis://127.0.0.1:6379
  baas-mariadb: mariadb://probe@127.0.0.1:3306/baas
services:
  shop-api: {url: "http://127.0.0.1:8080/health"}
monitoring:
  prometheus: http://127.0.0.1:9090
network:
  db: 127.0.0.1:22
security:
  closed: ["127.0.0.1:5433"]
  localhost_only: [8080]
resources:
  memory: 95%
  disk: {"/": 80%}
)",
                         "targets.yaml");
  EXPECT_EQ(t.query_latency_target_ms, 150);
  ASSERT_EQ(t.databases.size(), 3u);
  EXPECT_EQ(t.databases[0].query, "select count(*) from orders");
  EXPECT_EQ(t.databases[1].query, "select 1");
  EXPECT_EQ(t.databases[2].url, "mariadb://probe@127.0.0.1:3306/baas");
  EXPECT_EQ(t.services[0].url, "http://127.0.0.1:8080/health");
  EXPECT_EQ(t.network[0].url, "127.0.0.1:22");
  EXPECT_EQ(t.closed, (std::vector<std::string>{"127.0.0.1:5433"}));
  EXPECT_EQ(t.localhost_only, (std::vector<int>{8080}));
  EXPECT_DOUBLE_EQ(t.memory_ceiling, 0.95);
  EXPECT_DOUBLE_EQ(t.disks.at(0).second, 0.80);
}

TEST(Targets, ErrorsNameFileAndLine) {
  auto expect_error = [](const std::string& yaml, const std::string& where) {
    try {
      parse_targets(yaml, "t.yaml");
      FAIL() << yaml;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  expect_error("databases:\n  x: mongodb://h\n", "t.yaml:2");
  expect_error("network:\n  a: 10.0.0.1:22\n  b: nohost\n", "t.yaml:3");
  expect_error("bogus: 1\n", "t.yaml:1");
  expect_error("resources:\n  memory: lots\n", "t.yaml:2");
  expect_error("databases: [\n", "t.yaml");
  // Found by fuzz_targets: keys that are lists, and sections of the wrong shape, ended the process.
  expect_error("? [a]\n: 1\n", "t.yaml:1");
  expect_error("databases:\n  [x]: redis://h:1\n", "t.yaml:2");
  expect_error("security: closed\n", "t.yaml:1");
  expect_error("security:\n  closed: 10.0.0.1:22\n", "t.yaml:2");
  expect_error("resources: lots\n", "t.yaml:1");
  expect_error("resources:\n  disk: {[a]: 90%}\n", "t.yaml:2");
}

}  // namespace
}  // namespace rehome::validate
