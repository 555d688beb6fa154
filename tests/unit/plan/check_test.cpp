// `rehome check` on the owner's proposal of seed 001: wsasus cannot hold the infrastructure stack, hpr is
// the weakest host.
#include <gtest/gtest.h>

#include <iostream>

#include "model/estate_yaml.hpp"
#include "plan/check.hpp"
#include "plan/plan_yaml.hpp"
#include "plan/render.hpp"
#include "support/paths.hpp"

namespace rehome::plan {
namespace {

TEST(Check, SeedsProposalWsasusShortfallAndWeakestHpr) {
  const auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  const auto proposal = load_plan(rehome::test::example("wizardsofts/proposal.yaml"), estate);
  const auto report = check_proposal(estate, proposal);
  const auto text = render_check(report, estate);
  std::cout << text;
  EXPECT_TRUE(report.hard_rule_broken());
  const Finding* memory = nullptr;
  const Finding* weakest = nullptr;
  for (const auto& f : report.findings) {
    if (f.rule == "memory" && f.server == "wsasus") memory = &f;
    if (f.rule == "weakest-host") weakest = &f;
  }
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->severity, Finding::Severity::error);
  for (const char* part : {"wsasus (10.0.0.81) cannot hold", "gitlab 4.0 GB", "prometheus 2.0 GB",
                           "grafana 1.0 GB", "against its 11.0 GB", "9.9 GB after 10% headroom", "short by"})
    EXPECT_NE(memory->message.find(part), std::string::npos) << part << " in: " << memory->message;
  ASSERT_NE(weakest, nullptr);
  EXPECT_EQ(weakest->server, "hpr");
  for (const char* part : {"weakest host", "least 5.7 GB RAM", "unreliable", "staging"})
    EXPECT_NE(weakest->message.find(part), std::string::npos) << part << " in: " << weakest->message;
  ASSERT_TRUE(report.recommended.has_value());
  EXPECT_NE(text.find("Proposal beside the recommended plan"), std::string::npos);
  EXPECT_TRUE(check_to_json(report, estate)["hard_rule_broken"].get<bool>());
}

TEST(Check, TheRecommendedPlanPassesItsOwnCheck) {
  const auto estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  auto recommended =
      check_proposal(estate, load_plan(rehome::test::example("wizardsofts/proposal.yaml"), estate))
          .recommended.value();
  const auto again = parse_plan(plan_to_yaml(recommended, estate), "plan.yaml", estate);
  const auto report = check_proposal(estate, again);
  for (const auto& f : report.findings) EXPECT_NE(f.severity, Finding::Severity::error) << f.message;
}

TEST(Check, SoftFindingsOfOneRuleAreGroupedPastThree) {
  using S = Finding::Severity;
  auto call = [](const std::string& a, const std::string& sa, const std::string& b, const std::string& sb) {
    return Finding{S::warning, "partners-together", sa, a,
                   a + " (" + sa + ") calls " + b + " (" + sb + ") across servers: ~1-5 ms more per call"};
  };
  std::vector<Finding> warnings = {call("a", "gmktec", "a-db", "hppavilion"),
                                   call("b", "gmktec", "b-db", "hppavilion"),
                                   {S::warning, "other", "hpr", "x", "x is lonely"},
                                   call("c", "wsasus", "c-db", "gmktec"),
                                   call("d", "gmktec", "d-db", "hppavilion")};
  const auto lines = group_soft_findings(warnings);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rule, "partners-together");
  EXPECT_EQ(lines[0].count, 4u);
  EXPECT_EQ(lines[0].text,
            "4 calls cross servers (gmktec -> hppavilion 3, wsasus -> gmktec 1), ~1-5 ms more each: "
            "a -> a-db, b -> b-db, c -> c-db and 1 more");
  EXPECT_EQ(lines[1].text, "x is lonely");
  warnings.pop_back();  // three findings of a rule keep their own lines
  EXPECT_EQ(group_soft_findings(warnings).size(), 4u);
}

}  // namespace
}  // namespace rehome::plan
