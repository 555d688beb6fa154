#include <gtest/gtest.h>

#include "common/error.hpp"
#include "import/interpolate.hpp"

using namespace rehome;
using namespace rehome::import;

namespace {
const Variables kVars{{"TAG", "2.1"}, {"EMPTY", ""}, {"HOST", "db"}};
std::string interp(const std::string& v) { return interpolate(v, kVars, "f.yml:3"); }
}  // namespace

TEST(Interpolate, AllComposeForms) {
  EXPECT_EQ(interp("app:${TAG}"), "app:2.1");
  EXPECT_EQ(interp("app:$TAG-x"), "app:2.1-x");
  EXPECT_EQ(interp("${MISSING:-def}"), "def");
  EXPECT_EQ(interp("${EMPTY:-def}"), "def");
  EXPECT_EQ(interp("${EMPTY-def}"), "");
  EXPECT_EQ(interp("${MISSING-def}"), "def");
  EXPECT_EQ(interp("${TAG:+on}|${MISSING:+on}|${EMPTY+set}"), "on||set");
  EXPECT_EQ(interp("${MISSING:-${HOST:-x}:5432}"), "db:5432");
  EXPECT_EQ(interp("$$HOME and $${TAG}"), "$HOME and ${TAG}");
  EXPECT_EQ(interp("${MISSING}"), "");
  EXPECT_EQ(interp("100$ off"), "100$ off");
  EXPECT_EQ(interp("$"), "$");
}

TEST(Interpolate, RequiredVariableNamesFileLineAndMessage) {
  try {
    interp("${PASSWORD:?set the database password}");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "f.yml:3: required variable PASSWORD is not set: set the database password");
  }
  EXPECT_THROW(interp("${EMPTY:?x}"), UserError);
  EXPECT_EQ(interp("${EMPTY?x}"), "");
  EXPECT_THROW(interp("${TAG"), UserError);
  EXPECT_THROW(interp("${1BAD}"), UserError);
  EXPECT_THROW(interp("${TAG%x}"), UserError);
}

TEST(EnvFile, QuotesExportCommentsAndErrors) {
  auto vars = parse_env_file(
      "# comment\n\nexport A=1\nB = two words # trailing\nC=\"x\\ny\"\nD='$LIT'\nE=\nF=a=b\r\n", ".env");
  EXPECT_EQ(vars.at("A"), "1");
  EXPECT_EQ(vars.at("B"), "two words");
  EXPECT_EQ(vars.at("C"), "x\ny");
  EXPECT_EQ(vars.at("D"), "$LIT");
  EXPECT_EQ(vars.at("E"), "");
  EXPECT_EQ(vars.at("F"), "a=b");
  try {
    parse_env_file("A=1\nnot a variable\n", "proj/.env");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()), "proj/.env:2: expected KEY=value");
  }
}
