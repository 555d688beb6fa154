// One decision, one view: the managers and edge servers bootstrap.sh and the firewall scripts use are
// the ones the failover proof counts and the plan names (plan::roles_of), on every example.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "generate/generate.hpp"
#include "model/estate_yaml.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/roles.hpp"
#include "plan/solver.hpp"
#include "resilience/failover.hpp"
#include "resilience/scenario.hpp"
#include "support/paths.hpp"

namespace rehome::generate {
namespace {

struct Views {
  std::vector<std::string> plan_managers, bootstrap_managers;  // join order
  std::set<std::string> firewall_managers, resilience_managers;
  std::vector<std::string> plan_edge, resilience_edge;
  std::set<std::string> firewall_edge;
  int failover_managers = 0;
};

Views views_of(const model::Estate& estate, const plan::Plan& plan) {
  Views v;
  const auto roles = plan::roles_of(plan, estate);
  v.plan_managers = roles.manager_names();
  v.plan_edge = roles.edge_names();

  const auto files = generate_all(estate, plan);
  const auto& bootstrap = files.at("bootstrap.sh");
  std::smatch m;
  if (std::regex_search(bootstrap, m, std::regex(R"(\n  init_swarm '?([0-9.]+)'?)")))
    for (const auto& s : estate.servers)
      if (s.address == m[1].str()) v.bootstrap_managers.push_back(s.name);
  const std::regex join(R"(\n  join_node '?([^ ']+)'? \S+ manager)");
  for (auto it = std::sregex_iterator(bootstrap.begin(), bootstrap.end(), join); it != std::sregex_iterator();
       ++it)
    v.bootstrap_managers.push_back((*it)[1].str());
  for (const auto& s : estate.servers) {
    const auto& fw = files.at("firewall/" + s.name + ".sh");
    std::smatch header;
    EXPECT_TRUE(std::regex_search(fw, header, std::regex(R"(# UFW rules for \S+ \([^;]*; ([^)]*)\))")))
        << s.name;
    const auto roles_text = header[1].str();
    if (roles_text.rfind("manager", 0) == 0) v.firewall_managers.insert(s.name);
    if (roles_text.find("edge") != std::string::npos) v.firewall_edge.insert(s.name);
  }

  resilience::Cluster cluster(estate, plan);
  for (int n = 0; n < cluster.server_count(); ++n)
    if (cluster.is_manager(n)) v.resilience_managers.insert(cluster.server(n).name);
  for (int n : resilience::edge_servers(cluster)) v.resilience_edge.push_back(cluster.server(n).name);
  v.failover_managers =
      resilience::analyse_failover(cluster, resilience::failure_scenarios(estate, 1), {}, {}).managers;
  return v;
}

void expect_one_view(const model::Estate& estate, const plan::Plan& plan, const std::string& what) {
  SCOPED_TRACE(what);
  const auto v = views_of(estate, plan);
  ASSERT_FALSE(v.plan_managers.empty());
  EXPECT_EQ(v.bootstrap_managers, v.plan_managers);
  EXPECT_EQ(v.firewall_managers, std::set<std::string>(v.plan_managers.begin(), v.plan_managers.end()));
  EXPECT_EQ(v.resilience_managers, std::set<std::string>(v.plan_managers.begin(), v.plan_managers.end()));
  EXPECT_EQ(v.failover_managers, static_cast<int>(v.plan_managers.size()));
  EXPECT_EQ(v.resilience_edge, v.plan_edge);
  EXPECT_EQ(v.firewall_edge, std::set<std::string>(v.plan_edge.begin(), v.plan_edge.end()));
}

TEST(RolesViews, EqualOnEveryExample) {
  for (const char* name : {"wizardsofts/estate.yaml", "gym/estate.yaml"}) {
    const auto estate = model::load_estate(rehome::test::example(name));
    expect_one_view(estate, plan::make_plan(estate), name);
  }
  const auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  expect_one_view(estate, plan::load_plan(rehome::test::example("wizardsofts/proposal.yaml"), estate),
                  "wizardsofts/proposal.yaml");
}

TEST(RolesViews, EqualWithoutDeclaredEdgeOrEnoughManagers) {
  auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  for (auto& s : estate.servers) {
    s.hints.edge = false;  // the edge follows the proxies the plan places
    if (s.name != "gmktec") s.role = model::SwarmRole::worker;
  }
  const auto plan = plan::make_plan(estate);
  expect_one_view(estate, plan, "no edge: true, one declared manager");
  EXPECT_FALSE(plan::roles_of(plan, estate).edge.empty());
}

// The defect of issue 21: one declared manager and `managers: 3`. bootstrap.sh joined three managers
// while failover counted one ("1 managers: tolerates 0"): losing gmktec lost quorum, nothing rescheduled.
TEST(RolesViews, OneDeclaredManagerWithManagers3IsThreeManagersEverywhere) {
  auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  for (auto& s : estate.servers)
    if (s.name != "gmktec") s.role = model::SwarmRole::worker;
  ASSERT_EQ(estate.managers, 3);
  const auto plan = plan::make_plan(estate);
  const auto v = views_of(estate, plan);
  EXPECT_EQ(v.plan_managers, (std::vector<std::string>{"gmktec", "hppavilion", "wsasus"}));
  EXPECT_EQ(v.bootstrap_managers, v.plan_managers);

  resilience::Cluster cluster(estate, plan);
  EXPECT_EQ(cluster.manager_count(), 3);
  auto analysis = resilience::analyse_failover(cluster, resilience::failure_scenarios(estate, 1), {}, {});
  EXPECT_EQ(analysis.managers, 3);
  EXPECT_EQ(resilience::tolerated_failures(analysis.managers), 1);
  for (const auto& f : analysis.failures) {
    EXPECT_TRUE(f.quorum.has_quorum) << f.scenario.name();
    EXPECT_GT(f.rescheduled, 0) << f.scenario.name();
  }
}

}  // namespace
}  // namespace rehome::generate
