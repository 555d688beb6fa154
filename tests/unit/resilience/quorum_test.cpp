#include <gtest/gtest.h>

#include "resilience/quorum.hpp"

namespace rehome::resilience {

TEST(Quorum, RaftMajority) {
  EXPECT_EQ(quorum_size(1), 1);
  EXPECT_EQ(quorum_size(3), 2);
  EXPECT_EQ(quorum_size(4), 3);
  EXPECT_EQ(quorum_size(5), 3);
  EXPECT_EQ(tolerated_failures(1), 0);
  EXPECT_EQ(tolerated_failures(3), 1);
  EXPECT_EQ(tolerated_failures(4), 1);  // an even count buys nothing
  EXPECT_EQ(tolerated_failures(5), 2);
  EXPECT_EQ(tolerated_failures(0), 0);
}

TEST(Quorum, Verdicts) {
  EXPECT_TRUE(quorum(3, 2).has_quorum);
  EXPECT_FALSE(quorum(3, 1).has_quorum);
  EXPECT_TRUE(quorum(5, 3).has_quorum);
  EXPECT_FALSE(quorum(5, 2).has_quorum);
  EXPECT_FALSE(quorum(0, 0).has_quorum);
  EXPECT_EQ(quorum(3, 1).needed, 2);
}

}  // namespace rehome::resilience
