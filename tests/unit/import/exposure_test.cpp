// Ports compose published on one address only stay private in the estate (issue 18, item 1).
#include <gtest/gtest.h>

#include "import/compose.hpp"
#include "import/compose_service.hpp"
#include "model/estate_yaml.hpp"
#include "support/paths.hpp"

using namespace rehome;
using namespace rehome::import;

namespace {

ImportResult import_fixture(const std::string& relative) {
  return import_compose({test::source_dir() / "tests/data/compose" / relative}, {}, disk_reader());
}

const model::Port& port_to(const model::Service& s, int target) {
  for (const auto& p : s.ports)
    if (p.target == target) return p;
  throw std::runtime_error(s.name + " has no port to " + std::to_string(target));
}

}  // namespace

TEST(Exposure, LoopbackPortsOfTheMailSuiteKeepTheirAddress) {
  auto r = import_fixture("mail/docker-compose.yml");
  const auto& mysql = port_to(*r.estate.find_service("mysql-mailcow"), 3306);
  EXPECT_EQ(mysql.published, 13306);
  EXPECT_EQ(mysql.host_ip, "127.0.0.1");
  EXPECT_FALSE(mysql.exposed());
  EXPECT_TRUE(mysql.bound_to_address());
  const auto& redis = port_to(*r.estate.find_service("redis-mailcow"), 6379);
  EXPECT_EQ(redis.published, 7654);
  EXPECT_EQ(redis.host_ip, "127.0.0.1");
  // What was public stays public: nginx's 80/443 with an empty bind address.
  const auto& https = port_to(*r.estate.find_service("nginx-mailcow"), 443);
  EXPECT_EQ(https.published, 443);
  EXPECT_TRUE(https.host_ip.empty());
  EXPECT_TRUE(https.exposed());
}

TEST(Exposure, AnalyticsAppOnLoopbackOnly) {
  auto r = import_fixture("analytics/docker-compose.yml");
  const auto& app = port_to(*r.estate.find_service("plausible"), 8000);
  EXPECT_EQ(app.host_ip, "127.0.0.1");
  EXPECT_FALSE(app.exposed());
}

TEST(Exposure, Ipv6LoopbackAndSpecificAddressesAreKept) {
  std::string ip;
  auto ports = parse_short_port("[::1]:53:53/udp", "x", ip);
  EXPECT_EQ(ip, "::1");
  ASSERT_EQ(ports.size(), 1u);
  ip.clear();
  parse_short_port("10.0.0.5:8080:80", "x", ip);
  EXPECT_EQ(ip, "10.0.0.5");
}

TEST(Exposure, HostAddressRoundTripsThroughEstateYaml) {
  auto r = import_fixture("mail/docker-compose.yml");
  r.estate.servers.push_back(model::Server{
      .name = "host", .memory = 64 * model::GiB, .cpu_threads = 8, .role = model::SwarmRole::manager});
  std::string yaml = model::to_yaml(r.estate);
  EXPECT_NE(yaml.find("127.0.0.1:13306:3306"), std::string::npos) << yaml;
  auto back = model::parse_estate(yaml, "estate.yaml");
  EXPECT_EQ(port_to(*back.find_service("mysql-mailcow"), 3306).host_ip, "127.0.0.1");
  EXPECT_EQ(port_to(*back.find_service("redis-mailcow"), 6379).host_ip, "127.0.0.1");
}
