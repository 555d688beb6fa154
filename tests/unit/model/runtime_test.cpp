// Runtime fields, bound ports and secret references round-trip through estate.yaml (issue 18).
#include <gtest/gtest.h>

#include "estate_text.hpp"
#include "model/estate_yaml.hpp"

namespace rehome::model {
namespace {

using test_text::without_locations;

Estate runtime_estate() {
  Estate e;
  e.name = "rt";
  e.servers.push_back(Server{.name = "a", .memory = 8 * GiB, .cpu_threads = 4, .role = SwarmRole::manager});
  Service s;
  s.name = "php";
  s.image = "ghcr.io/mailcow/phpfpm:1.91";
  s.resources.memory_reservation = 256 * MiB;
  s.ports = {{13306, 3306, "tcp", "ingress", "127.0.0.1"},
             {53, 53, "udp", "ingress", "::1"},
             {9000, 9000, "tcp", "host", "10.0.0.5"},
             {80, 80, "tcp", "ingress", ""}};
  s.secrets = {"rt-dbpass"};
  auto& rt = s.runtime;
  rt.environment = {{"TZ", {"Europe/Berlin", ""}},
                    {"PRICE", {"$5 and $HOME", ""}},
                    {"EMPTY", {"", ""}},
                    {"DBPASS", {"", "rt-dbpass"}}};
  rt.command = std::vector<std::string>{"php-fpm", "-d", "date.timezone=Europe/Berlin"};
  rt.entrypoint = std::vector<std::string>{"/bin/sh", "-c", "exec \"$@\"", "--"};
  rt.labels = {{"ofelia.enabled", "true"}};
  rt.deploy_labels = {{"traefik.http.routers.x.rule", "Host(`mail.example.com`)"}};
  rt.configs = {{"nginx-conf", "/etc/nginx/nginx.conf", "/srv/mail/nginx.conf"}, {"plain", "", ""}};
  rt.user = "82:82";
  rt.working_dir = "/web";
  rt.hostname = "php";
  rt.cap_drop = {"NET_RAW"};
  rt.ulimits = {{"nofile", {65535, 65535}}, {"nproc", {-1, -1}}};
  rt.tmpfs = {"/var/cache/nginx", "/tmp:size=64m"};
  rt.stop_grace_period = 45000;
  rt.stop_signal = "SIGQUIT";
  rt.init = false;
  rt.shm_size = 64 * MiB;
  rt.logging = Logging{"json-file", {{"max-size", "10m"}}};
  s.healthcheck = HealthCheck{{}, 10000, 30000, 0, 3};  // the image's own test, new interval
  e.services.push_back(s);
  e.secrets = {{"rt-dbpass", "${DBPASS}", "/srv/mail/.env", ""}, {"tls-key", "", "", "/srv/mail/tls.key"}};
  return e;
}

TEST(RuntimeRoundTrip, EveryFieldSurvivesEstateYaml) {
  Estate original = runtime_estate();
  std::string yaml = to_yaml(original);
  EstateReading again = read_estate(yaml, "normalized.yaml");
  ASSERT_TRUE(again.ok()) << format_problems(again.problems) << "\n" << yaml;
  EXPECT_TRUE(without_locations(again.estate) == without_locations(original)) << yaml;
  EXPECT_EQ(to_yaml(again.estate), yaml);
  EXPECT_NE(yaml.find("127.0.0.1:13306:3306"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("[::1]:53:53/udp"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("DBPASS: {secret: rt-dbpass}"), std::string::npos) << yaml;
}

TEST(RuntimeRoundTrip, ShortAndLongFormsRead) {
  auto r = test_text::read(test_text::with_services(
      "  a:\n"
      "    image: x\n"
      "    ports: [\"127.0.0.1:8000:8000\", {published: 7654, target: 6379, host_ip: 127.0.0.1}]\n"
      "    environment: {A: b, S: {secret: s1}}\n"
      "    ulimits: {nofile: 1024}\n"
      "    command: [run]\n"
      "    healthcheck: {interval: 10s}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  const auto& s = r.estate.services.front();
  EXPECT_EQ(s.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(s.ports[1].host_ip, "127.0.0.1");
  EXPECT_FALSE(s.ports[1].exposed());
  EXPECT_EQ(s.runtime.environment.at("S").secret, "s1");
  EXPECT_EQ(s.runtime.ulimits.at("nofile").hard, 1024);
  ASSERT_TRUE(s.healthcheck);
  EXPECT_TRUE(s.healthcheck->test.empty());
}

TEST(RuntimeRoundTrip, ASecretNeedsASource) {
  auto r = test_text::read(test_text::with_services("  a: {image: x}\n") + "secrets:\n  s: {env_file: /x}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(format_problems(r.problems).find("secrets.s"), std::string::npos) << format_problems(r.problems);
}

}  // namespace
}  // namespace rehome::model
