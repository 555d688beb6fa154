// One placement decision (plan::decide_placements), read by generate and by failover: the constraints
// the generated stacks give Swarm, read back the way `rehome drill --stack` reads a deployed stack,
// predict exactly what `rehome failover` predicts from the plan, for every single-server failure of the
// seeds' estate and of the small test estate.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "generate/topology.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "resilience/analysis.hpp"
#include "resilience/drill.hpp"
#include "resilience/scenario.hpp"
#include "small_estate.hpp"

namespace rehome::generate {
namespace {

// The estate as a drill sees the deployed stacks: Swarm's constraints on each service, the bootstrap's
// node labels on each server.
model::Estate as_deployed(const model::Estate& estate, const Topology& t) {
  model::Estate out = estate;
  for (auto& server : out.servers)
    for (const auto& [k, v] : t.node_labels().at(server.name)) server.labels[k] = v;
  for (auto& svc : out.services) {
    if (svc.global) continue;
    const auto& p = t.placement(svc.name);
    nlohmann::json placement = {{"Constraints", p.constraints}};
    if (p.max_replicas_per_node > 0) placement["MaxReplicas"] = p.max_replicas_per_node;
    svc.placement.pin.clear();
    svc.placement.labels.clear();
    resilience::apply_swarm_placement(svc, placement);
  }
  return out;
}

void expect_same_predictions(const model::Estate& estate, const plan::Plan& plan) {
  Topology t(estate, plan);
  const auto deployed = as_deployed(estate, t);
  resilience::Cluster decided(estate, plan);
  resilience::Cluster swarm(deployed, plan, 0.0, resilience::PlacementSource::as_deployed);
  int rescheduled = 0, stranded_state = 0;
  for (const auto& sc : resilience::failure_scenarios(estate, 1)) {
    const auto a = resilience::analyse_failure(decided, sc, {});
    const auto b = resilience::analyse_failure(swarm, sc, {});
    ASSERT_EQ(a.services.size(), b.services.size()) << sc.name();
    for (size_t i = 0; i < a.services.size(); ++i) {
      const auto& sa = a.services[i];
      const auto& sb = b.services[i];
      ASSERT_EQ(sa.service, sb.service);
      const auto& decision = t.placement(sa.service);
      ASSERT_EQ(sa.replicas.size(), sb.replicas.size()) << sa.service;
      for (size_t r = 0; r < sa.replicas.size(); ++r) {
        const auto& ra = sa.replicas[r];
        const auto& rb = sb.replicas[r];
        EXPECT_EQ(ra.fate, rb.fate) << sc.name() << ": " << sa.service << ": " << ra.why << " / " << rb.why;
        EXPECT_EQ(ra.to, rb.to) << sc.name() << ": " << sa.service;
        EXPECT_EQ(ra.reason, rb.reason) << sc.name() << ": " << sa.service;
        if (ra.fate == resilience::ReplicaFate::rescheduled) {
          ++rescheduled;
          EXPECT_EQ(decision.pin, plan::PinReason::none) << sa.service << " is pinned yet moved";
          EXPECT_NE(std::find(decision.allowed.begin(), decision.allowed.end(), ra.to),
                    decision.allowed.end())
              << sa.service << " moved to " << ra.to << ", which the stack does not allow";
        }
        if (ra.reason == resilience::StrandReason::local_state) {
          ++stranded_state;
          EXPECT_EQ(decision.pin, plan::PinReason::local_state) << sa.service;
          EXPECT_NE(std::string(decision.constraints.front()).find("node."), std::string::npos);
        }
      }
    }
  }
  EXPECT_GT(rescheduled, 0);
  EXPECT_GT(stranded_state, 0);
}

TEST(PlacementAgreement, StacksAndFailoverPredictTheSameOnTheSmallEstate) {
  expect_same_predictions(test::small_estate(), test::small_plan());
}

TEST(PlacementAgreement, StacksAndFailoverPredictTheSameOnTheSeedsEstate) {
  const auto estate = model::default_estate();
  expect_same_predictions(estate, plan::make_plan(estate));
}

TEST(PlacementAgreement, StatelessSingleReplicaIsLabelledNotPinned) {
  auto e = test::small_estate();
  auto p = test::small_plan();
  e.services.push_back(test::in_stack(test::service("api", 256 * model::MiB), "production"));
  p.assignments.push_back({"api", 0, "gamma"});
  Topology t(e, p);
  const auto& api = t.placement("api");
  EXPECT_EQ(api.constraints, std::vector<std::string>{"node.labels.rehome.api == true"});
  EXPECT_EQ(api.allowed, (std::vector<std::string>{"alpha", "beta", "gamma"}));
  for (const auto& server : {"alpha", "beta", "gamma"})
    EXPECT_EQ(t.node_labels().at(server).at("rehome.api"), "true") << server;

  // Lose gamma: failover moves it to a named survivor the label allows.
  resilience::Cluster c(e, p);
  auto r = resilience::analyse_failure(c, {.lost = {"gamma"}}, {});
  ASSERT_EQ(r.services.size(), 1u);
  ASSERT_EQ(r.services[0].replicas.size(), 1u);
  EXPECT_EQ(r.services[0].replicas[0].fate, resilience::ReplicaFate::rescheduled);
  EXPECT_TRUE(r.services[0].replicas[0].to == "alpha" || r.services[0].replicas[0].to == "beta");
  EXPECT_GT(r.services[0].downtime, 0);
}

}  // namespace
}  // namespace rehome::generate
