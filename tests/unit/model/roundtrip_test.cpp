// to_yaml(parse(x)) parses back to the same Estate, on every example and on hand-made corner cases.
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "estate_text.hpp"
#include "model/estate_yaml.hpp"
#include "support/paths.hpp"

namespace rehome::model {
namespace {

using test_text::without_locations;

void expect_round_trip(const Estate& original) {
  std::string yaml = to_yaml(original);
  EstateReading again = read_estate(yaml, "normalized.yaml");
  ASSERT_TRUE(again.ok()) << format_problems(again.problems) << "\n" << yaml;
  EXPECT_TRUE(without_locations(again.estate) == without_locations(original)) << yaml;
  EXPECT_EQ(to_yaml(again.estate), yaml);  // normalizing twice changes nothing
}

class ExampleRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleRoundTrip, ParsesBackToTheSameEstate) {
  expect_round_trip(load_estate(test::example(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRoundTrip,
                         ::testing::Values("wizardsofts/estate.yaml", "gym/estate.yaml"));

// The importers' marks survive the file: a measured reservation and a guessed category (written out
// as `category: frontend` + `category_guessed: true`, so reading it back does not guess again).
TEST(RoundTrip, KeepsMeasuredAndGuessedMarks) {
  auto r = test_text::read(test_text::with_services("  web: {image: nginx:1.25, memory: 64M}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  Service& web = r.estate.services[0];
  web.category = Category::frontend;
  web.category_guessed = true;
  web.resources.measured = true;
  std::string yaml = to_yaml(r.estate);
  EXPECT_NE(yaml.find("measured: true"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("category_guessed: true"), std::string::npos) << yaml;
  expect_round_trip(r.estate);
}

TEST(RoundTrip, CornerCases) {
  auto r = test_text::read(test_text::with_services(
      "  a:\n"
      "    image: \"registry:5000/a:1\"\n"
      "    memory: 1.3G\n"
      "    cpu: 1m\n"
      "    estimated: true\n"
      "    stateful: false\n"
      "    ports: [{published: 9000, target: 9000, mode: host, protocol: udp}, \"1:2/sctp\"]\n"
      "    volumes: [{name: /srv/x, target: /x, bind: false}, {name: named, target: /y, bind: true},\n"
      "              {name: nfs, target: /z, shared: true, read_only: true}]\n"
      "    healthcheck: {test: [CMD, true], interval: 1500ms, timeout: 1s, start_period: 0s, retries: 0}\n"
      "    data: {engine: '', databases: [\"weird: name\"], size: 1}\n"
      "    restart: on-failure\n"
      "    metrics: {port: \"9100\"}\n"
      "    secrets: [\"yes\", \"null\", \"~\"]\n"
      "  b: {category: other, tier: dev, global: true, read_only_root: true, cap_add: [NET_ADMIN]}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  r.estate.headroom = 0.07;
  r.estate.description = "a: b # not a comment\nsecond line";
  expect_round_trip(r.estate);
}

// A locally built image (both forms) and the estate's registry survive the file.
TEST(RoundTrip, KeepsBuildFoldersAndTheRegistry) {
  auto r = test_text::read(test_text::with_services(
      "  app: {image: shop/app:1, build: /src/app}\n"
      "  worker: {image: shop/worker:1, build: {context: /src/w, dockerfile: Dockerfile.prod}}\n"));
  ASSERT_TRUE(r.ok()) << format_problems(r.problems);
  ASSERT_TRUE(r.estate.services[0].build);
  EXPECT_EQ(r.estate.services[0].build->context, "/src/app");
  ASSERT_TRUE(r.estate.services[1].build);
  EXPECT_EQ(r.estate.services[1].build->dockerfile, "Dockerfile.prod");
  r.estate.registry = "registry.lan:5000";
  std::string yaml = to_yaml(r.estate);
  EXPECT_NE(yaml.find("registry: registry.lan:5000"), std::string::npos) << yaml;
  expect_round_trip(r.estate);
  // A build without its folder is a problem with its place.
  auto bad = test_text::read(test_text::with_services("  app: {image: a:1, build: {dockerfile: D}}\n"));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(format_problems(bad.problems).find("a build needs its folder"), std::string::npos);
}

}  // namespace
}  // namespace rehome::model
