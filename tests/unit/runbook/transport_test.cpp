#include <gtest/gtest.h>

#include "common/error.hpp"
#include "runbook/state.hpp"
#include "runbook/transport.hpp"

namespace rehome::runbook {
namespace {

TEST(SshTransport, SecretsTravelOnStdinNeverInArgv) {
  auto inv =
      ssh_invocation("admin@10.0.0.80", "docker ps", {{"DB_PASSWORD", "s3cr'et"}}, {"-o", "BatchMode=yes"});
  EXPECT_EQ(inv.argv,
            (std::vector<std::string>{"ssh", "-o", "BatchMode=yes", "admin@10.0.0.80", "--", "sh", "-s"}));
  EXPECT_EQ(inv.stdin_data, "export DB_PASSWORD='s3cr'\\''et'\ndocker ps\n");
}

TEST(LocalTransport, AServerGivenANamespaceRunsInsideIt) {
  LocalTransport t({{"node", "rh-test"}, {"other", "/run/netns/x"}});
  EXPECT_EQ(t.argv("node", "true"),
            (std::vector<std::string>{"nsenter", "--net=/var/run/netns/rh-test", "--", "sh", "-c", "true"}));
  EXPECT_EQ(t.argv("other", "true")[1], "--net=/run/netns/x");
  EXPECT_EQ(t.argv("", "true"), (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(t.argv("elsewhere", "true"), (std::vector<std::string>{"sh", "-c", "true"}));
  EXPECT_EQ(t.name(), "local (node in netns rh-test, other in netns /run/netns/x)");
  EXPECT_EQ(LocalTransport().name(), "local");
}

TEST(Credentials, ParsesNameValueLines) {
  auto env =
      parse_credentials("# comment\nexport A_PASSWORD='x y'\nB=\"q\"\n\nC=plain=with=equals\n", "c.env");
  EXPECT_EQ(env.at("A_PASSWORD"), "x y");
  EXPECT_EQ(env.at("B"), "q");
  EXPECT_EQ(env.at("C"), "plain=with=equals");
}

TEST(Credentials, MalformedLineNamesFileAndLine) {
  try {
    parse_credentials("A=1\nnot a variable\n", "creds.env");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("creds.env:2"), std::string::npos);
  }
}

TEST(State, RoundTripsThroughJson) {
  RunState st;
  st.estate = "shop";
  st.steps["0.tools"] = {
      .status = StepStatus::done, .command_digest = "abc", .duration_ms = 12, .attempts = 2};
  st.phases[0] = {.status = "done", .started_at = 1, .finished_at = 2, .duration_ms = 12};
  auto back = state_from_json(to_json(st), "s.json");
  EXPECT_EQ(back.steps["0.tools"].status, StepStatus::done);
  EXPECT_EQ(back.steps["0.tools"].attempts, 2);
  EXPECT_EQ(back.phases[0].finished_at, 2);
}

TEST(State, MalformedStateIsAUserError) {
  EXPECT_THROW(state_from_json(nlohmann::json{{"estate", "x"}}, "s.json"), UserError);
}

TEST(Gate, RefusesUntilTheWindowHasPassed) {
  Step s;
  s.title = "stop old databases";
  s.gate_after_phase = 3;
  RunState st;
  EXPECT_TRUE(gate_refusal(s, st, 0, 1000, false).has_value());  // phase 3 never completed
  st.phases[3] = {.status = "done", .finished_at = 10'000};
  EXPECT_TRUE(gate_refusal(s, st, 10'500, 1000, false).has_value());
  EXPECT_FALSE(gate_refusal(s, st, 11'000, 1000, false).has_value());
  EXPECT_FALSE(gate_refusal(s, st, 10'500, 1000, true).has_value());
}

TEST(State, IsoTime) { EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00Z"); }

}  // namespace
}  // namespace rehome::runbook
