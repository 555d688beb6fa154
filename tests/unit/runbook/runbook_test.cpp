#include <algorithm>
#include <regex>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "fixtures.hpp"
#include "runbook/render.hpp"
#include "runbook/runbook.hpp"

namespace rehome::runbook {
namespace {

std::vector<std::string> ids(const Phase& p) {
  std::vector<std::string> out;
  for (const auto& s : p.steps) out.push_back(s.id);
  return out;
}

Runbook make(RunbookOptions o = {}) {
  o.old_server = o.old_server.empty() ? "old" : o.old_server;
  return make_runbook(test::small_estate(), test::small_plan(), o);
}

TEST(Runbook, HasEightPhasesAndEveryStepIsComplete) {
  auto rb = make();
  ASSERT_EQ(rb.phases.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(rb.phases[i].number, i);
  for (const auto* s : rb.steps()) {
    EXPECT_FALSE(s->what.empty()) << s->id;
    EXPECT_FALSE(s->command.empty()) << s->id;
    EXPECT_FALSE(s->rollback.empty()) << s->id;
    EXPECT_EQ(std::to_string(s->phase), s->id.substr(0, s->id.find('.'))) << s->id;
  }
  auto all = rb.steps();
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i]->id, all[j]->id);
}

TEST(Runbook, OneMigrateStepPerDatabaseWithChecksumVerification) {
  auto rb = make();
  auto p3 = ids(rb.phases[3]);
  for (const char* id :
       {"3.migrate.shop-postgres.shop", "3.migrate.shop-postgres.audit", "3.migrate.shop-redis"})
    EXPECT_NE(std::find(p3.begin(), p3.end(), id), p3.end()) << id;
  const Step* m = rb.find_step("3.migrate.shop-postgres.shop");
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->command.find("rehome migrate postgres --from"), std::string::npos);
  // Statistics are gathered by the copy: the applications query the new database right after the move.
  EXPECT_NE(m->command.find(".state.json --analyze --json"), std::string::npos);
  const Step* r = rb.find_step("3.migrate.shop-redis");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->command.find("--analyze"), std::string::npos);
  EXPECT_NE(m->command.find("${SHOP_POSTGRES_OLD_HOST:-10.0.0.84}:${SHOP_POSTGRES_OLD_PORT:-5435}/shop"),
            std::string::npos);
  EXPECT_NE(m->command.find("${SHOP_POSTGRES_NEW_HOST:-10.0.0.80}"), std::string::npos);
  EXPECT_NE(m->verify.find("md5"), std::string::npos);
  // The deploy of the databases stack comes before the copies.
  EXPECT_EQ(p3.front(), "3.deploy.databases");
}

TEST(Runbook, NeverContainsAPassword) {
  auto rb = make();
  auto json = to_json(rb).dump();
  // Passwords reach the commands only through the engines' own variables, from the credentials file,
  // never in a URL on their command line (which `ps` shows): PGPASSWORD="${SHOP_POSTGRES_PASSWORD}" psql.
  EXPECT_FALSE(std::regex_search(json, std::regex(R"(PASSWORD=(?!\\"\$\{))"))) << json;
  EXPECT_NE(json.find(R"(PGPASSWORD=\"${SHOP_POSTGRES_PASSWORD}\" )"), std::string::npos);
  EXPECT_NE(json.find(R"(REDISCLI_AUTH=\"${SHOP_REDIS_PASSWORD}\" )"), std::string::npos);
  EXPECT_EQ(json.find(":+:$SHOP_POSTGRES_PASSWORD"), std::string::npos);
  EXPECT_EQ(rb.credential_variables, (std::vector<std::string>{"SHOP_POSTGRES_USER", "SHOP_POSTGRES_PASSWORD",
                                                               "SHOP_REDIS_PASSWORD"}));
}

TEST(Runbook, PrechecksCoverToolsServersDiskCredentialsAndHashedBackup) {
  auto p0 = ids(make().phases[0]);
  for (const char* id :
       {"0.tools", "0.generate", "0.reachable.old", "0.reachable.db", "0.reachable.app", "0.disk",
        "0.credentials.shop-postgres.shop", "0.backup.shop-postgres.shop", "0.backup.shop-redis"})
    EXPECT_NE(std::find(p0.begin(), p0.end(), id), p0.end()) << id;
  auto rb = make();
  const Step* b = rb.find_step("0.backup.shop-postgres.shop");
  EXPECT_NE(b->command.find("sha256sum"), std::string::npos);
  EXPECT_NE(b->verify.find("sha256sum --check"), std::string::npos);
}

TEST(Runbook, SwarmBootstrapRunsTheGeneratedScriptPartByPartOnTheFirstManager) {
  auto rb = make();
  auto p2 = ids(rb.phases[2]);
  ASSERT_GE(p2.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(p2.begin(), p2.begin() + 4),
            (std::vector<std::string>{"2.swarm", "2.labels", "2.networks", "2.secrets"}));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rb.phases[2].steps[i].host, "db");
    EXPECT_NE(rb.phases[2].steps[i].command.find("rehome-work/generated/bootstrap.sh"), std::string::npos);
  }
  const Step* n = rb.find_step("2.networks");
  EXPECT_NE(n->verify.find("docker network inspect backend"), std::string::npos);
  EXPECT_NE(rb.find_step("2.labels")->verify.find("role"), std::string::npos);
}

TEST(Runbook, EveryServerShowsItCanPullItsImagesBeforeTheFirstDeploy) {
  auto rb = make();
  // Nothing is built locally: no push, one pull check per server that runs something, on that server.
  EXPECT_EQ(rb.find_step("2.images.push"), nullptr);
  const Step* db = rb.find_step("2.images.db");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->host, "db");
  EXPECT_NE(db->command.find("postgres:15"), std::string::npos) << db->command;
  EXPECT_NE(db->command.find("docker pull --quiet"), std::string::npos);
  EXPECT_NE(db->verify.find("docker image inspect"), std::string::npos);

  // A service built locally: pushed to the estate's registry, pulled by its server under that name.
  auto estate = test::small_estate();
  estate.registry = "registry.lan:5000";
  for (auto& s : estate.services)
    if (s.name == "shop-api") s.build = model::BuildSpec{.context = "/src/api"};
  auto built = make_runbook(estate, test::small_plan(), {.old_server = "old"});
  const Step* push = built.find_step("2.images.push");
  ASSERT_NE(push, nullptr);
  EXPECT_EQ(push->command, "bash rehome-work/generated/images.sh push");
  EXPECT_NE(push->what.find("registry.lan:5000/api:1"), std::string::npos) << push->what;
  bool pulled = false;
  for (const auto* s : built.steps())
    pulled = pulled || (s->id.rfind("2.images.", 0) == 0 &&
                        s->command.find("registry.lan:5000/api:1") != std::string::npos);
  EXPECT_TRUE(pulled);
}

TEST(Runbook, ServicesFollowDependencyOrderWithDiscoveryFirst) {
  auto rb = make();
  EXPECT_EQ(ids(rb.phases[4]), (std::vector<std::string>{"4.deploy.monitoring"}));
  EXPECT_EQ(ids(rb.phases[5]), (std::vector<std::string>{"5.deploy.production", "5.deploy.frontend"}));
  EXPECT_NE(rb.phases[5].steps[0].what.find("ws-discovery, shop-api"), std::string::npos);
}

TEST(Runbook, CleanupIsGatedAfterThePhaseItCleansUpAfter) {
  auto rb = make();
  ASSERT_FALSE(rb.phases[7].steps.empty());
  for (const auto& s : rb.phases[7].steps) {
    EXPECT_GE(s.gate_after_phase, 3) << s.id;
    EXPECT_EQ(s.host, "old");
  }
  EXPECT_EQ(rb.find_step("7.stop-old-databases")->gate_after_phase, 3);
  EXPECT_NE(rb.find_step("7.prune-images")->command.find("reclaimed"), std::string::npos);
  EXPECT_EQ(rb.verification_window, kDefaultVerificationWindow);
}

TEST(Runbook, FirewallIsUfwByDefaultAndProvenFromOutside) {
  auto rb = make();
  const Step* f = rb.find_step("1.firewall.db");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->command, "bash rehome-work/generated/firewall/db.sh");
  EXPECT_EQ(f->host, "db");
  const Step* check = rb.find_step("1.firewall-check");
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->host, "");  // from the machine running rehome, i.e. from outside the servers
  EXPECT_NE(check->command.find("validate"), std::string::npos);
  EXPECT_NE(check->command.find("--only network,security"), std::string::npos);
  EXPECT_EQ(rb.phases[1].steps.back().id, "1.firewall-check");
}

TEST(Runbook, IptablesFirewallKeepsItsRulesInOneChainAndRollsBackByRemovingIt) {
  RunbookOptions o;
  o.firewall = "iptables";
  auto rb = make(o);
  const Step* f = rb.find_step("1.firewall.db");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->command.find("ufw"), std::string::npos);
  EXPECT_NE(f->command.find("-I INPUT 1 -j rehome-input"), std::string::npos);
  EXPECT_NE(f->command.find("--dport 7946 -j ACCEPT"), std::string::npos);  // Swarm, from peers
  EXPECT_NE(f->command.find("-A rehome-input -j DROP"), std::string::npos);
  EXPECT_NE(f->verify.find("iptables -C INPUT -j rehome-input"), std::string::npos);
  EXPECT_NE(f->rollback.find("-X rehome-input"), std::string::npos);
}

TEST(Runbook, UnknownOldServerIsAUserError) {
  RunbookOptions o;
  o.old_server = "nope";
  EXPECT_THROW(make(o), UserError);
}

TEST(Runbook, PlanNamingAnUnknownServiceIsAUserError) {
  auto plan = test::small_plan();
  plan.assignments.push_back({"ghost", 0, "db"});
  EXPECT_THROW(make_runbook(test::small_estate(), plan, {}), UserError);
}

TEST(Runbook, MarkdownHasEveryPhaseAndStep) {
  auto rb = make();
  auto md = to_markdown(rb);
  for (const auto& name : phase_names()) EXPECT_NE(md.find(name), std::string::npos) << name;
  for (const auto* s : rb.steps()) EXPECT_NE(md.find(s->id), std::string::npos) << s->id;
  EXPECT_NE(md.find("Rollback:"), std::string::npos);
  EXPECT_NE(md.find("Verified by:"), std::string::npos);
}

}  // namespace
}  // namespace rehome::runbook
