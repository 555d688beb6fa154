// The cluster's roles: decided once after placement, kept when a plan.yaml names them.
#include "plan/roles.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/solver.hpp"
#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using namespace rehome::test;

// alpha declared manager; beta reliable; gamma weak; delta plain with the most memory.
model::Estate four() {
  auto proxy = service("proxy", gib(0.5), 1, model::Category::proxy);
  proxy.ports = {{80, 80, "tcp", "ingress"}, {443, 443, "tcp", "ingress"}};
  auto e = estate(
      "test",
      {server("alpha", gib(8)), server("beta", gib(8)), server("gamma", gib(8)), server("delta", gib(16))},
      {proxy, service("web", gib(1), 2, model::Category::app)});
  e.servers[0].role = model::SwarmRole::manager;
  e.servers[1].hints.reliability = model::Reliability::high;
  e.servers[2].hints.weak = true;
  e.managers = 3;
  return e;
}

TEST(Roles, DeclaredManagersFirstThenTheSturdiest) {
  auto e = four();
  auto roles = decide_roles(make_plan(e), e);
  EXPECT_EQ(roles.manager_names(), (std::vector<std::string>{"alpha", "beta", "delta"}));
  EXPECT_EQ(roles.managers[0].reason, "declared role: manager");
  EXPECT_NE(roles.managers[1].reason.find("managers: 3"), std::string::npos) << roles.managers[1].reason;
  e.managers = 1;
  EXPECT_EQ(decide_roles(make_plan(e), e).manager_names(), std::vector<std::string>{"alpha"});
  e.servers[3].role = model::SwarmRole::manager;  // more declared than asked: all kept
  EXPECT_EQ(decide_roles(make_plan(e), e).manager_names(), (std::vector<std::string>{"alpha", "delta"}));
}

TEST(Roles, EdgeIsTheMarkedServerElseWhereThePlanPutsTheProxy) {
  auto e = four();
  Plan p;
  p.assignments = {{"proxy", 0, "gamma"}, {"web", 0, "alpha"}, {"web", 1, "beta"}};
  auto roles = decide_roles(p, e);
  EXPECT_EQ(roles.edge_names(), std::vector<std::string>{"gamma"});
  EXPECT_NE(roles.edge[0].reason.find("proxy"), std::string::npos) << roles.edge[0].reason;
  e.servers[1].hints.edge = true;
  EXPECT_EQ(decide_roles(p, e).edge_names(), std::vector<std::string>{"beta"});
}

TEST(Roles, RolesOfKeepsThePlansOwn) {
  auto e = four();
  auto p = make_plan(e);
  EXPECT_EQ(roles_of(p, e).manager_names(), decide_roles(p, e).manager_names());
  p.roles = Roles{.managers = {{"gamma", "written"}}, .edge = {}};
  EXPECT_EQ(roles_of(p, e).manager_names(), std::vector<std::string>{"gamma"});
  EXPECT_TRUE(roles_of(p, e).edge.empty());
}

TEST(Roles, PlanYamlRoundTripKeepsThem) {
  auto e = four();
  auto p = make_plan(e);
  auto text = plan_to_yaml(p, e);
  EXPECT_NE(text.find("  managers: [alpha, beta, delta]\n"), std::string::npos) << text;
  auto back = parse_plan(text, "plan.yaml", e);
  ASSERT_TRUE(back.roles);
  EXPECT_EQ(back.roles->manager_names(), roles_of(p, e).manager_names());
  EXPECT_EQ(back.roles->edge_names(), roles_of(p, e).edge_names());
  EXPECT_NE(back.roles->managers[0].reason.find("plan.yaml:"), std::string::npos);
}

TEST(Roles, PlanYamlWithRolesKeepsThemAndWithoutDecidesThem) {
  auto e = four();
  auto p = make_plan(e);
  auto text = plan_to_yaml(p, e);
  auto older = text.substr(0, text.find("# Swarm managers"));  // a plan.yaml from before roles
  auto decided = parse_plan(older, "plan.yaml", e);
  EXPECT_FALSE(decided.roles);
  EXPECT_EQ(roles_of(decided, e).manager_names(), decide_roles(p, e).manager_names());
  auto edited = parse_plan(older + "roles:\n  managers: [delta]\n", "plan.yaml", e);
  ASSERT_TRUE(edited.roles);
  EXPECT_EQ(edited.roles->manager_names(), std::vector<std::string>{"delta"});
  EXPECT_EQ(edited.roles->edge_names(), decide_roles(p, e).edge_names());  // left out: decided
}

TEST(Roles, PlanYamlRoleProblemsNameTheLine) {
  auto e = four();
  auto older = plan_to_yaml(make_plan(e), e);
  older = older.substr(0, older.find("# Swarm managers"));
  auto error_of = [&](const std::string& roles) {
    try {
      parse_plan(older + roles, "plan.yaml", e);
    } catch (const UserError& ex) {
      return std::string(ex.what());
    }
    return std::string();
  };
  auto unknown = error_of("roles:\n  managers: [alpah]\n");
  EXPECT_NE(unknown.find("unknown server 'alpah'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("alpha"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("plan.yaml:"), std::string::npos) << unknown;
  EXPECT_NE(error_of("roles:\n  managers: []\n").find("at least one manager"), std::string::npos);
  EXPECT_NE(error_of("roles:\n  managers: [alpha, alpha]\n").find("listed twice"), std::string::npos);
  EXPECT_NE(error_of("roles:\n  mangers: [alpha]\n").find("unknown key"), std::string::npos);
}

}  // namespace
}  // namespace rehome::plan
