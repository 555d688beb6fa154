// plan.yaml: round trip, and every problem named with file:line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"
#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using namespace rehome::test;

model::Estate small() {
  auto e = estate("test", {server("gmktec", gib(28), 16), server("hppavilion", gib(31), 8)},
                  {service("traefik", gib(0.5)), service("ws-gateway", gib(0.6), 2, model::Category::app),
                   service("node-exporter", gib(0.1), 1, model::Category::monitoring)});
  e.name = "wizardsofts";
  e.services[2].global = true;
  return e;
}

std::string error_of(const std::string& yaml) {
  try {
    parse_plan(yaml, "plan.yaml", small());
  } catch (const UserError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "";
}

TEST(PlanYaml, RoundTrip) {
  auto e = small();
  auto plan = make_plan(e);
  auto text = plan_to_yaml(plan, e);
  EXPECT_NE(text.find("estate: wizardsofts"), std::string::npos);
  EXPECT_NE(text.find("headroom: 10%"), std::string::npos);
  EXPECT_EQ(text.find("node-exporter"), std::string::npos);  // global: omitted
  auto back = parse_plan(text, "plan.yaml", e);
  EXPECT_EQ(back.servers_of("ws-gateway"), plan.servers_of("ws-gateway"));
  EXPECT_EQ(back.servers_of("traefik"), plan.servers_of("traefik"));
  EXPECT_EQ(back.servers_of("node-exporter").size(), 2u);  // put back on every server
}

// Found by fuzz_plan: a person's plan listing a global service on some servers only was written back
// without it, and read again it ran everywhere.
TEST(PlanYaml, GlobalOnSomeServersRoundTrips) {
  auto e = small();
  auto p =
      parse_plan("servers:\n  gmktec: [traefik, ws-gateway, ws-gateway, node-exporter]\n  hppavilion: []\n",
                 "proposal.yaml", e);
  auto text = plan_to_yaml(p, e);
  EXPECT_NE(text.find("node-exporter"), std::string::npos);
  auto back = parse_plan(text, "plan.yaml", e);
  EXPECT_EQ(back.servers_of("node-exporter"), (std::vector<std::string>{"gmktec"}));
}

TEST(PlanYaml, ReadsThePersonFormat) {
  auto p = parse_plan(
      "estate: wizardsofts\nheadroom: 15%\nservers:\n  gmktec: [traefik, ws-gateway, ws-gateway]\n"
      "  hppavilion: []\n",
      "proposal.yaml", small());
  EXPECT_DOUBLE_EQ(p.headroom, 0.15);
  EXPECT_EQ(p.servers_of("ws-gateway"), (std::vector<std::string>{"gmktec", "gmktec"}));
}

TEST(PlanYaml, UnknownServerWithLineAndSuggestion) {
  auto msg = error_of("servers:\n  gmktec: [traefik, ws-gateway, ws-gateway]\n  hppavillion: []\n");
  EXPECT_NE(msg.find("plan.yaml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown server 'hppavillion'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hppavilion"), std::string::npos) << msg;
}

TEST(PlanYaml, UnknownServiceWithLine) {
  auto msg = error_of("servers:\n  gmktec: [traefik, ws-gateway, ws-gateway]\n  hppavilion: [gitlab]\n");
  EXPECT_NE(msg.find("plan.yaml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown service 'gitlab'"), std::string::npos) << msg;
}

TEST(PlanYaml, ReplicaCountsMustMatch) {
  auto msg = error_of("servers:\n  gmktec: [traefik]\n  hppavilion: [ws-gateway]\n");
  EXPECT_NE(msg.find("plan.yaml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'ws-gateway' is placed 1 time(s) but the estate asks for 2"), std::string::npos) << msg;
  auto missing = error_of("servers:\n  gmktec: [ws-gateway, ws-gateway]\n");
  EXPECT_NE(missing.find("'traefik' is not placed on any server"), std::string::npos) << missing;
}

TEST(PlanYaml, SyntaxBadHeadroomAndUnknownKeys) {
  EXPECT_NE(error_of("servers: [\n").find("plan.yaml:"), std::string::npos);
  EXPECT_NE(
      error_of("headroom: lots\nservers:\n  gmktec: [traefik, ws-gateway, ws-gateway]\n").find("headroom"),
      std::string::npos);
  auto msg = error_of("severs: {}\n");
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_NE(error_of("estate: other\nservers:\n  gmktec: [traefik, ws-gateway, ws-gateway]\n")
                .find("estate 'other'"),
            std::string::npos);
}

// Found by fuzz_plan: a key that is a list or a mapping ended the process (yaml-cpp's bad conversion).
TEST(PlanYaml, KeysThatAreNoNamesAreNamedErrors) {
  EXPECT_NE(error_of("? [a]\n: 1\nservers: {}\n").find("plan.yaml:1:"), std::string::npos);
  EXPECT_NE(error_of("servers:\n  [gmktec]: [traefik]\n").find("plan.yaml:2:"), std::string::npos);
  EXPECT_NE(error_of("servers: {}\nroles:\n  {managers: 1}: [gmktec]\n").find("plain name"),
            std::string::npos);
}

TEST(PlanYaml, SavedAtomically) {
  auto e = small();
  auto dir = std::filesystem::temp_directory_path() / ("rehome-plan-" + std::to_string(::getpid()));
  save_plan(dir / "plan.yaml", make_plan(e), e);
  auto back = load_plan(dir / "plan.yaml", e);
  EXPECT_EQ(back.assignments.size(), 5u);
  std::filesystem::remove_all(dir);
}

TEST(PlanYaml, Shares) {
  EXPECT_DOUBLE_EQ(parse_share("10%").value(), 0.10);
  EXPECT_DOUBLE_EQ(parse_share("0.2").value(), 0.2);
  EXPECT_DOUBLE_EQ(parse_share("25").value(), 0.25);
  EXPECT_FALSE(parse_share("95%"));
  EXPECT_FALSE(parse_share("-1"));
  EXPECT_FALSE(parse_share("ten"));
}

}  // namespace
}  // namespace rehome::plan
