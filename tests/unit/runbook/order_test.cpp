#include <gtest/gtest.h>

#include "runbook/order.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {
namespace {

TEST(DependencyOrder, DependenciesFirstThenPreferredThenName) {
  auto o = dependency_order({"a", "b", "c", "eureka"}, {{"a", {"c"}}, {"b", {"eureka"}}},
                            [](const std::string& n) { return n == "eureka"; });
  EXPECT_EQ(o.order, (std::vector<std::string>{"eureka", "b", "c", "a"}));
  EXPECT_TRUE(o.cycle.empty());
}

TEST(DependencyOrder, ACycleIsBrokenAndReported) {
  auto o = dependency_order({"a", "b", "c"}, {{"a", {"b"}}, {"b", {"a"}}},
                            [](const std::string&) { return false; });
  EXPECT_EQ(o.order.size(), 3u);
  EXPECT_EQ(o.cycle, (std::vector<std::string>{"a", "b"}));
}

TEST(DependencyOrder, UnknownAndSelfDependenciesAreIgnored) {
  auto o = dependency_order({"a"}, {{"a", {"a", "zzz"}}}, [](const std::string&) { return false; });
  EXPECT_EQ(o.order, (std::vector<std::string>{"a"}));
}

TEST(Shell, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(shell_word("plain/path-1.yml"), "plain/path-1.yml");
  EXPECT_EQ(shell_word("two words"), "'two words'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(variable_prefix("gibd-postgres"), "GIBD_POSTGRES");
  EXPECT_EQ(variable_prefix("9lives"), "S_9LIVES");
}

}  // namespace
}  // namespace rehome::runbook
