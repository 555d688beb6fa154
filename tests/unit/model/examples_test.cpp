// The built-in examples are valid, round-trip, and encode the seeds' numbers.
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "model/estate_yaml.hpp"
#include "model/validate.hpp"
#include "support/paths.hpp"

namespace rehome::model {
namespace {

EstateReading read_example(const char* relative) {
  auto path = test::example(relative);
  return read_estate(read_file(path), path.string());
}

TEST(Examples, WizardsoftsIsValid) {
  auto r = read_example("wizardsofts/estate.yaml");
  EXPECT_EQ(format_problems(r.problems), "");
}

}  // namespace
}  // namespace rehome::model
