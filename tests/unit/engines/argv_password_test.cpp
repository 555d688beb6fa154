// A password inside a URL on the command line draws one warning naming the engine's safer way, and the
// warning never holds the password.
#include <gtest/gtest.h>

#include "engines/url.hpp"

namespace rehome::engines {
namespace {

TEST(ArgvSecrets, NamesTheSaferWayPerEngineAndMasksThePassword) {
  struct Case {
    const char* url;
    const char* safer;
  };
  for (const Case& c : {Case{"postgresql://app:MARK-pw@db:5432/shop", "~/.pgpass"},
                        Case{"redis://:MARK-pw@cache:6379", "REDISCLI_AUTH"},
                        Case{"redis://MARK-pw@cache:6379", "REDISCLI_AUTH"},
                        Case{"mysql://root:MARK-pw@maria:3306/baas", "MYSQL_PWD"}}) {
    std::string w = password_in_argv_warning("--from", c.url);
    EXPECT_NE(w.find("--from"), std::string::npos) << w;
    EXPECT_NE(w.find(c.safer), std::string::npos) << w;
    EXPECT_NE(w.find("(ps)"), std::string::npos) << w;
    EXPECT_EQ(w.find("MARK-pw"), std::string::npos) << w;
  }
}

TEST(ArgvSecrets, SilentWithoutAPassword) {
  EXPECT_EQ(password_in_argv_warning("--to", "postgresql://app@db:5432/shop"), "");
  EXPECT_EQ(password_in_argv_warning("--to", "redis://cache:6379"), "");
  EXPECT_EQ(password_in_argv_warning("--to", ""), "");
  EXPECT_EQ(password_in_argv_warning("--to", "host=db user=app"), "");
}

}  // namespace
}  // namespace rehome::engines
