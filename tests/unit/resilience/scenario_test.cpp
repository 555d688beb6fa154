#include <gtest/gtest.h>

#include "common/error.hpp"
#include "resilience/scenario.hpp"
#include "small_estate.hpp"

namespace rehome::resilience {

TEST(Scenario, SingleAndPairFailures) {
  auto e = test::four_servers();
  auto one = failure_scenarios(e, 1);
  ASSERT_EQ(one.size(), 4u);
  EXPECT_EQ(one[3].name(), "hpr down");
  auto two = failure_scenarios(e, 2);
  EXPECT_EQ(two.size(), 4u + 6u);
  EXPECT_EQ(two[4].name(), "gmktec + hppavilion down");
}

TEST(Scenario, EveryTwoWaySplitOnce) {
  auto e = test::four_servers();
  auto all = all_partitions(e);
  EXPECT_EQ(all.size(), 7u);  // 2^(4-1) - 1
  for (const auto& p : all) {
    EXPECT_FALSE(p.side_a.empty());
    EXPECT_FALSE(p.side_b.empty());
    EXPECT_EQ(p.side_a.size() + p.side_b.size(), 4u);
    EXPECT_EQ(p.side_a.front(), "gmktec");
  }
}

TEST(Scenario, ParsesPartitionSpecs) {
  auto e = test::four_servers();
  auto p = parse_partition(e, "gmktec,hppavilion|wsasus,hpr");
  EXPECT_EQ(p.side_a, (std::vector<std::string>{"gmktec", "hppavilion"}));
  EXPECT_EQ(p.side_b, (std::vector<std::string>{"wsasus", "hpr"}));
  auto rest = parse_partition(e, "wsasus");
  EXPECT_EQ(rest.side_b.size(), 3u);
  EXPECT_EQ(rest.name(), "wsasus | gmktec,hppavilion,hpr");
}

TEST(Scenario, BadPartitionSpecsNameTheProblem) {
  auto e = test::four_servers();
  try {
    parse_partition(e, "gmktec,nosuch|hpr");
    FAIL();
  } catch (const UserError& err) {
    EXPECT_NE(std::string(err.what()).find("nosuch"), std::string::npos);
    EXPECT_NE(err.hint().find("hppavilion"), std::string::npos);
  }
  EXPECT_THROW(parse_partition(e, "gmktec|gmktec"), UserError);
  EXPECT_THROW(parse_partition(e, "gmktec,hppavilion,wsasus,hpr"), UserError);  // other side empty
  EXPECT_THROW(parse_partition(e, "a|b|c"), UserError);
  EXPECT_THROW(failure_of(e, {"nosuch"}), UserError);
}

}  // namespace rehome::resilience
