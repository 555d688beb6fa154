// A MariaDB item's copy and final sync in `rehome move`: the binlog follow and its cutover when the
// source can be followed, a whole verified pass (with the reason, in the dry run) when it cannot, and
// both named when the source was not probed. Pure: commands and texts only.
#include <sstream>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "move/executor.hpp"
#include "move/final_sync.hpp"

namespace rehome::move {
namespace {

const char* const slug = "shop-mariadb";
const std::string log_bin_off =
    "the source root@10.0.0.84:3306 has log_bin off: nothing records its changes. Set log_bin = mariadb-bin";

// The shop with a MariaDB the API writes to.
Move shop_with_mariadb(MoveOptions o = {}) {
  auto e = test::shop();
  auto maria = rehome::test::service("shop-mariadb", 0, 1, model::Category::database);
  maria.image = "mariadb:11";
  maria.stack = "databases";
  maria.resources = {};
  maria.ports = {{.published = 3307, .target = 3306}};
  maria.data = model::DataSpec{.engine = "mariadb"};
  e.services.push_back(maria);
  for (auto& s : e.services)
    if (s.name == "shop-api") s.depends_on.push_back("shop-mariadb");
  auto p = test::shop_plan();
  p.assignments.push_back({"shop-mariadb", 0, "db"});
  o.old_server = "old";
  o.work_dir = "work";
  return make_move(e, p, o);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(MoveMariadbSync, ABinlogThatCanBeUsedFollowsAReasonIsAWholePassUnprobedIsDecidedAtTheCopy) {
  EXPECT_EQ(choose_mariadb_sync(std::string()), MariadbSync::binlog);
  EXPECT_EQ(choose_mariadb_sync(log_bin_off), MariadbSync::whole_pass);
  EXPECT_EQ(choose_mariadb_sync(std::nullopt), MariadbSync::undecided);
  MoveOptions o;
  o.mariadb_binlog_problem = {{slug, ""}};
  auto m = shop_with_mariadb(o);
  EXPECT_EQ(mariadb_sync(o, *m.find("07.copy.shop-mariadb")->data), MariadbSync::binlog);
  EXPECT_EQ(mariadb_sync(MoveOptions{}, *m.find("07.copy.shop-mariadb")->data), MariadbSync::undecided);
  EXPECT_EQ(mariadb_sync(o, *m.find("07.copy.shop-redis")->data), MariadbSync::whole_pass);
  o.mariadb_binlog_problem[slug] = log_bin_off;
  EXPECT_EQ(mariadb_sync(o, *m.find("07.copy.shop-mariadb")->data), MariadbSync::whole_pass);
}

TEST(MoveMariadbSync, AFollowableSourceIsCopiedFollowedAndCutOverWithoutAWholePass) {
  MoveOptions o;
  o.jobs = 3;
  o.mariadb_binlog_problem = {{slug, ""}};
  auto m = shop_with_mariadb(o);
  const MoveStep& copy = *m.find("07.copy.shop-mariadb");
  const MoveStep& sync = *m.find("09.final-sync.shop-mariadb");
  const MoveStep& verify = *m.find("10.verify.shop-mariadb");
  const std::string& c = copy.actions.front().command;
  EXPECT_TRUE(has(c, "rehome migrate mariadb --from \"mariadb://")) << c;
  EXPECT_TRUE(has(c, " --jobs 3")) << c;
  EXPECT_TRUE(has(c, " --follow")) << c;
  EXPECT_TRUE(has(c, "--state work/state/shop-mariadb.copy.json")) << c;
  EXPECT_TRUE(copy.actions.front().in_process);
  EXPECT_TRUE(has(copy.what, "a follower in rehome's process applies the source's binlog"));
  // The final sync is the cutover: no --truncate, no state (the follow is found by name on the target).
  const std::string& f = sync.actions.front().command;
  EXPECT_TRUE(has(f, "rehome migrate mariadb --from \"mariadb://")) << f;
  EXPECT_TRUE(has(f, " --jobs 3 --cutover")) << f;
  EXPECT_FALSE(has(f, "--truncate")) << f;
  EXPECT_FALSE(has(f, "--state")) << f;
  EXPECT_TRUE(has(sync.what, "the binlog cutover (the source can be followed")) << sync.what;
  EXPECT_TRUE(has(sync.what, "not the database")) << sync.what;
  // The copy's rollback removes the follow's record on the target.
  ASSERT_EQ(copy.rollback.size(), 1u);
  EXPECT_TRUE(has(copy.rollback.front().command, "migrate mariadb"));
  EXPECT_TRUE(has(copy.rollback.front().command, " --stop-follow"));
  EXPECT_FALSE(has(copy.rollback.front().command, "--cutover"));
  // The check after the cutover compares key ranges, writes nothing.
  EXPECT_TRUE(has(verify.actions.front().command, " --verify-only")) << verify.actions.front().command;
  // The URLs are the item's shell text, variables unexpanded; the password reaches the mover through
  // MYSQL_PWD, never argv (the rollback's --stop-follow runs in a shell).
  for (const std::string& cmd : {c, f, copy.rollback.front().command}) {
    EXPECT_TRUE(has(cmd, "MYSQL_PWD=\"${SHOP_MARIADB_PASSWORD}\" rehome migrate mariadb")) << cmd;
    EXPECT_TRUE(has(cmd, "mariadb://${SHOP_MARIADB_USER:-root}@")) << cmd;
    EXPECT_FALSE(has(cmd, "PASSWORD:+")) << cmd;
  }
}

TEST(MoveMariadbSync, ABinlogThatCannotBeUsedIsAWholePassAndTheDryRunSaysWhy) {
  MoveOptions o;
  o.mariadb_binlog_problem = {{slug, log_bin_off}};
  auto m = shop_with_mariadb(o);
  const MoveStep& copy = *m.find("07.copy.shop-mariadb");
  const MoveStep& sync = *m.find("09.final-sync.shop-mariadb");
  EXPECT_FALSE(has(copy.actions.front().command, "--follow"));
  EXPECT_TRUE(copy.rollback.empty());
  EXPECT_TRUE(has(copy.what, "The binlog cannot be used (" + log_bin_off + ")"));
  const std::string& f = sync.actions.front().command;
  EXPECT_TRUE(has(f, " --truncate")) << f;
  EXPECT_TRUE(has(f, "--state work/state/shop-mariadb.final-sync.json")) << f;
  EXPECT_FALSE(has(f, "--cutover")) << f;
  EXPECT_TRUE(has(sync.what, "a whole verified pass, because the binlog cannot be used: " + log_bin_off));
  EXPECT_TRUE(has(sync.what, "the freeze grows with the database"));
  // The dry run prints it (wrapped: read with each line break and its indent as one space).
  std::string dry = render_plan(m, Journal{});
  for (size_t at; (at = dry.find("\n    ")) != std::string::npos;) dry.replace(at, 5, " ");
  EXPECT_TRUE(has(dry, "because the binlog cannot be used: the source root@10.0.0.84:3306 has log_bin off"))
      << dry;
}

TEST(MoveMariadbSync, AnUnprobedSourceNamesBothWaysAndTheCopysRollbackDropsAFollowIfOneWasMade) {
  auto m = shop_with_mariadb();
  const MoveStep& copy = *m.find("07.copy.shop-mariadb");
  const MoveStep& sync = *m.find("09.final-sync.shop-mariadb");
  EXPECT_TRUE(has(copy.actions.front().command, " --follow"));
  EXPECT_TRUE(has(copy.what, "checked when the copy runs"));
  EXPECT_TRUE(has(sync.actions.front().command, " --cutover"));
  EXPECT_TRUE(has(sync.what, "the binlog cutover when the source can be followed"));
  EXPECT_TRUE(has(sync.what, "else a whole verified pass"));
  ASSERT_EQ(copy.rollback.size(), 1u);
  EXPECT_TRUE(has(copy.rollback.front().command, "--stop-follow"));
  // The order: copy while the old host serves, freeze of its writer, then the cutover, then verify.
  auto at = [&](const std::string& id) {
    for (size_t i = 0; i < m.steps.size(); ++i)
      if (m.steps[i].id == id) return i;
    ADD_FAILURE() << id;
    return m.steps.size();
  };
  EXPECT_LT(at("07.copy.shop-mariadb"), at("08.freeze.shop-api"));
  EXPECT_LT(at("08.freeze.shop-api"), at("09.final-sync.shop-mariadb"));
  EXPECT_LT(at("09.final-sync.shop-mariadb"), at("10.verify.shop-mariadb"));
  // Other engines are unchanged by a MariaDB probe.
  MoveOptions o;
  o.mariadb_binlog_problem = {{slug, log_bin_off}};
  auto probed = shop_with_mariadb(o);
  EXPECT_EQ(probed.find("09.final-sync.shop-redis")->actions.front().command,
            m.find("09.final-sync.shop-redis")->actions.front().command);
  EXPECT_EQ(final_sync_method(o, *m.find("07.copy.shop-redis")->data), "a whole pass, every key compared");
}

}  // namespace
}  // namespace rehome::move
