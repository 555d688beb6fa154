// Each validation error names file:line and the field's YAML path, in plain words.
#include <gtest/gtest.h>

#include "estate_text.hpp"
#include "model/validate.hpp"

namespace rehome::model {
namespace {

using test_text::read;
using test_text::with_services;

// The reading has exactly one problem, at `line`, on `path`, whose message or hint contains `words`.
void expect_one(const EstateReading& r, int line, const std::string& path, const std::string& words) {
  ASSERT_EQ(r.problems.size(), 1u) << format_problems(r.problems);
  const Problem& p = r.problems[0];
  EXPECT_EQ(p.where.file, "estate.yaml");
  EXPECT_EQ(p.where.line, line) << p.str();
  EXPECT_GT(p.where.column, 0) << p.str();
  EXPECT_EQ(p.path, path) << p.str();
  EXPECT_NE((p.message + " " + p.hint).find(words), std::string::npos) << p.str();
  EXPECT_EQ(p.str().rfind("estate.yaml:" + std::to_string(line) + ":", 0), 0u) << p.str();
}

TEST(Validate, UnknownKeyWithDidYouMean) {
  expect_one(read(with_services("  a:\n    memroy: 1G\n")), 16, "services.a.memroy",
             "did you mean `memory`?");
  expect_one(read(with_services("  a: {memory: 1G, replcias: 2}\n")), 15, "services.a.replcias",
             "did you mean `replicas`?");
  expect_one(read("sevrers: {}\n" + with_services("  a: {}\n").substr(8)), 1, "sevrers",
             "did you mean `servers`?");
}

TEST(Validate, UnknownKeyWithoutCloseMatchListsKnownKeys) {
  expect_one(read(with_services("  a: {colour: red}\n")), 15, "services.a.colour", "known keys here");
}

TEST(Validate, WrongTypes) {
  expect_one(read(with_services("  a: {replicas: many}\n")), 15, "services.a.replicas", "whole number");
  expect_one(read(with_services("  a: {memory: [1G]}\n")), 15, "services.a.memory", "not a size");
  expect_one(read(with_services("  a: {memory: 4X}\n")), 15, "services.a.memory", "512M");
  expect_one(read(with_services("  a: {cpu: lots}\n")), 15, "services.a.cpu", "not a CPU amount");
  expect_one(read(with_services("  a: {spiky: perhaps}\n")), 15, "services.a.spiky", "true or false");
  expect_one(read(with_services("  a: {healthcheck: {test: x, interval: soon}}\n")), 15,
             "services.a.healthcheck.interval", "not a duration");
  expect_one(read(with_services("  a: {ports: [\"80:eighty\"]}\n")), 15, "services.a.ports[0]", "not a port");
  expect_one(read(with_services("  a: {volumes: [\"just-a-name\"]}\n")), 15, "services.a.volumes[0]",
             "not a volume");
  expect_one(read(with_services("  a: {tier: prod}\n")), 15, "services.a.tier", "production, staging or dev");
  expect_one(read(with_services("  a: {category: db}\n")), 15, "services.a.category", "database");
  expect_one(read(with_services("  a: [1, 2]\n")), 15, "services.a", "mapping");
}

TEST(Validate, DuplicateServiceName) {
  expect_one(read(with_services("  a: {memory: 1G}\n  b: {memory: 1G}\n  a: {memory: 2G}\n")), 17,
             "services.a", "given twice");
}

TEST(Validate, DuplicateServerNameInCode) {
  Estate e = parse_estate(with_services("  a: {memory: 1G}\n"), "estate.yaml");
  e.servers.push_back(e.servers[0]);
  auto problems = validate(e);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("two servers are named `big`"), std::string::npos) << problems[0].str();
  EXPECT_EQ(problems[0].where.line, 3);
}

TEST(Validate, DanglingReferences) {
  expect_one(read(with_services("  api: {memory: 1G}\n  web: {memory: 1G, depends_on: [apii]}\n")), 16,
             "services.web.depends_on[0]", "did you mean `api`?");
  expect_one(read(with_services("  web: {memory: 1G, networks: [frontend]}\n")), 15,
             "services.web.networks[0]", "network `frontend`");
  expect_one(read(with_services("  web: {memory: 1G, placement: {pin: [huge]}}\n")), 15,
             "services.web.placement.pin[0]", "server `huge`");
  expect_one(read(with_services("  web: {memory: 1G, placement: {anti_affinity: [db]}}\n")), 15,
             "services.web.placement.anti_affinity[0]", "service `db`");
  expect_one(read(with_services("  web: {memory: 1G, placement: {affinity: [db]}}\n")), 15,
             "services.web.placement.affinity[0]", "service `db`");
  expect_one(read(with_services("  r: {memory: 1G, data: {engine: postgres, replica_of: primary}}\n")), 15,
             "services.r.data.replica_of", "service `primary`");
}

TEST(Validate, DependencyCycleIsNamed) {
  auto r =
      read(with_services("  a: {memory: 1G, depends_on: [b]}\n"
                         "  b: {memory: 1G, depends_on: [c]}\n"
                         "  c: {memory: 1G, depends_on: [a]}\n"));
  expect_one(r, 17, "services.c.depends_on[0]", "dependency cycle: a -> b -> c -> a");
  expect_one(read(with_services("  a: {memory: 1G, depends_on: [a]}\n")), 15, "services.a.depends_on[0]",
             "cycle: a -> a");
}

TEST(Validate, SizesThatCannotBe) {
  expect_one(read(with_services("  a: {memory: 0}\n")), 15, "services.a.memory", "above zero");
  expect_one(read(with_services("  a: {memory: 4T}\n")), 15, "services.a.memory", "absurd");
  expect_one(read(with_services("  a: {memory: 2G, limit: 1G}\n")), 15, "services.a.limit",
             "below the reservation");
  expect_one(read(with_services("  a: {memory: 1G, cpu: 2, cpu_limit: 1}\n")), 15, "services.a.cpu_limit",
             "below the reservation");
  expect_one(read(with_services("  a: {memory: 1G, cpu: 12}\n")), 15, "services.a.cpu",
             "largest server has 8");
  expect_one(read(with_services("  a: {memory: 1M, replicas: 5000}\n")), 15, "services.a.replicas",
             "more than is sensible");
  expect_one(read(with_services("  a: {memory: 1G, replicas: -1}\n")), 15, "services.a.replicas",
             "out of range");
}

TEST(Validate, ServerWithoutMemoryOrCpu) {
  auto r = read("servers:\n  a: {cpu: 2, role: manager}\n  b: {memory: 1G}\nservices: {}\n");
  ASSERT_EQ(r.problems.size(), 2u) << format_problems(r.problems);
  EXPECT_EQ(r.problems[0].path, "servers.a.memory");
  EXPECT_EQ(r.problems[0].where.line, 2);
  EXPECT_EQ(r.problems[1].path, "servers.b.cpu");
  EXPECT_EQ(r.problems[1].where.line, 3);
}

TEST(Validate, PublishedPortCollision) {
  expect_one(
      read(with_services("  a: {memory: 1G, ports: [\"80:80\"]}\n  b: {memory: 1G, ports: [\"8080:80\", "
                         "\"80:8000\"]}\n")),
      16, "services.b.ports[1]", "port 80/tcp is already published by `a`");
  // The same number over UDP, or two host-mode ports, do not collide.
  auto r = read(
      with_services("  a: {memory: 1G, ports: [\"53:53\"]}\n  b: {memory: 1G, ports: [\"53:53/udp\"]}\n"));
  EXPECT_TRUE(r.ok()) << format_problems(r.problems);
}

TEST(Validate, InvalidNames) {
  expect_one(read(with_services("  \"my service\": {memory: 1G}\n")), 15, "services.my service",
             "not a valid service name");
}

TEST(Validate, BackupSettings) {
  auto r = read(with_services("  a: {memory: 1G}\n") + "backup:\n  schedule: \"25:00\"\n");
  // `backup:` given twice: the duplicate is reported, the second is ignored.
  ASSERT_FALSE(r.ok());
  expect_one(
      read("servers: {a: {memory: 1G, cpu: 1, role: manager}}\nservices: {}\nbackup: {schedule: nightly}\n"),
      3, "backup.schedule", "HH:MM");
  expect_one(read("servers: {a: {memory: 1G, cpu: 1, role: manager}}\nservices: {}\n"
                  "backup: {targets: [{name: x, kind: remote, location: /b}]}\n"),
             3, "backup.targets[0].kind", "local or offsite");
  expect_one(
      read("servers: {a: {memory: 1G, cpu: 1, role: manager}}\nservices: {}\nbackup: {volumes: [nope]}\n"), 3,
      "backup.volumes[0]", "volume `nope`");
}

TEST(Validate, NoManager) {
  expect_one(read("servers: {a: {memory: 1G, cpu: 1}}\nservices: {}\n"), 1, "servers", "role: manager");
}

TEST(Validate, EveryProblemIsListedNotJustTheFirst) {
  auto r =
      read(with_services("  a: {memory: 4X, depends_on: [zzz]}\n"
                         "  b: {memroy: 1G, networks: [nope]}\n"
                         "  c: {memory: 1G, limit: 1M}\n"));
  EXPECT_EQ(r.problems.size(), 5u) << format_problems(r.problems);
}

TEST(Validate, VolumeTargetMustBeAbsolute) {
  expect_one(read(with_services("  a: {memory: 1G, volumes: [\"data:var/lib\"]}\n")), 15,
             "services.a.volumes[0]", "not absolute");
}

}  // namespace
}  // namespace rehome::model
