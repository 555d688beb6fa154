// The move's PostgreSQL copy and final sync through the move library (LibraryMovers, as `rehome move
// --execute` calls them) against real PostgreSQL servers. A source with wal_level = logical: the copy
// leaves the target following it, rows written after the copy reach the target through the final
// sync's cutover, and no slot, publication or subscription is left. A source with wal_level = replica:
// the whole pass of before, said in the journal's summaries. Checked independently of rehome: the row
// count and md5 of the sorted rows on both servers, pg_replication_slots and pg_subscription.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "move/final_sync.hpp"
#include "real/harness/postgres_server.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;

struct Folder {
  fs::path path =
      fs::temp_directory_path() / ("rehome-move-pgsync-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Folder() { fs::remove_all(path); }
  ~Folder() { fs::remove_all(path); }
};

const char* const fingerprint =
    "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) "
    "FROM public.t";

void fill(const PostgresServer& pg) {
  pg.create_database("app");
  pg.psql("CREATE TABLE public.t (id bigserial PRIMARY KEY, v text)", "app");
  pg.psql("INSERT INTO public.t (v) SELECT 'row ' || g FROM generate_series(1, 2000) g", "app");
}

// Writes that the copy did not see: inserts, updates, deletes.
void write_after_the_copy(const PostgresServer& pg) {
  pg.psql("INSERT INTO public.t (v) SELECT 'late ' || g FROM generate_series(1, 500) g", "app");
  pg.psql("UPDATE public.t SET v = 'updated' WHERE id <= 10", "app");
  pg.psql("DELETE FROM public.t WHERE id BETWEEN 11 AND 20", "app");
}

// The two servers (the source filled, the target's database empty), a work folder and the real
// movers, on the item "app".
struct Servers {
  PostgresServer source, target;
  Folder work;
  move::DataItem item;
  std::unique_ptr<move::LibraryMovers> movers;
  explicit Servers(PostgresOptions source_options) : source(std::move(source_options)) {
    fill(source);
    target.create_database("app");
    move::MoveOptions o;
    o.work_dir = work.path.string();
    o.jobs = 2;
    item = {"pg", "postgres", "app", "new", source.url("app"), target.url("app")};
    movers = std::make_unique<move::LibraryMovers>(o, runbook::Env{});
  }
};

std::string report(const move::PassResult& r) {
  std::string s = r.summary;
  for (const auto& p : r.problems) s += "\n  " + p;
  return s;
}

TEST(MovePostgresSyncReal, ALogicalSourceIsFollowedAndTheCutoverLeavesEveryRowAndNoSlot) {
  Servers s({.settings = {"wal_level=logical"}});
  auto &source = s.source, &target = s.target;
  auto& movers = *s.movers;
  const auto& item = s.item;

  auto copy = movers.run(item, "copy");
  ASSERT_TRUE(copy.ok) << report(copy);
  EXPECT_NE(copy.summary.find("the target follows the source"), std::string::npos) << copy.summary;
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_replication_slots", "app"), "1");

  write_after_the_copy(source);
  auto sync = movers.run(item, "final-sync");
  ASSERT_TRUE(sync.ok) << report(sync);
  EXPECT_NE(sync.summary.find("logical-replication cutover"), std::string::npos) << sync.summary;
  EXPECT_EQ(target.psql(fingerprint, "app"), source.psql(fingerprint, "app"));
  EXPECT_EQ(target.psql("SELECT count(*) FROM public.t", "app"), "2490");
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_replication_slots", "app"), "0");
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_publication", "app"), "0");
  EXPECT_EQ(target.psql("SELECT count(*) FROM pg_subscription", "app"), "0");
  auto verify = movers.run(item, "verify");
  EXPECT_TRUE(verify.ok) << report(verify);
  // The cutover's proof stands: the verify step proves nothing again under the freeze.
  EXPECT_NE(verify.summary.find("proven by the final sync's cutover"), std::string::npos) << verify.summary;
  // The sequence is set: a new writer's insert does not collide.
  EXPECT_NO_THROW(target.psql("INSERT INTO public.t (v) VALUES ('new writer')", "app"));
}

TEST(MovePostgresSyncReal, AReplicaSourceGetsTheWholePassAndTheJournalSaysWhy) {
  Servers s({});
  auto &source = s.source, &target = s.target;
  auto& movers = *s.movers;
  const auto& item = s.item;

  auto copy = movers.run(item, "copy");
  ASSERT_TRUE(copy.ok) << report(copy);
  EXPECT_NE(copy.summary.find("wal_level = replica: the final sync is a whole pass"), std::string::npos)
      << copy.summary;
  write_after_the_copy(source);
  auto sync = movers.run(item, "final-sync");
  ASSERT_TRUE(sync.ok) << report(sync);
  EXPECT_NE(sync.summary.find("whole pass"), std::string::npos) << sync.summary;
  EXPECT_EQ(target.psql(fingerprint, "app"), source.psql(fingerprint, "app"));
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_replication_slots", "app"), "0");
  auto verify = movers.run(item, "verify");
  EXPECT_TRUE(verify.ok) << report(verify);
  EXPECT_EQ(verify.summary.find("proven by the final sync's cutover"), std::string::npos) << verify.summary;
}

}  // namespace
}  // namespace rehome::test
