// rehome migrate postgres against real servers: everything copied and proven, the database-per-service
// split, and every kind of bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "migrate_fixture.hpp"
#include "real/harness/server_process.hpp"

using namespace rehome::test;
using nlohmann::json;

namespace {

struct Servers {
  PostgresServer source;
  PostgresServer target;
  TempDir dir;
};

// An "app" database on both servers, the source's filled with the fixture's tables.
void create_filled_app(Servers& s) {
  s.source.create_database("app");
  s.target.create_database("app");
  fill_source(s.source, "app", 0);
}

std::string state_flag(const TempDir& dir, const std::string& name = "state.json") {
  return "--state=" + (dir.path / name).string();
}

// The command with its state in <dir>/<work> (--work-dir).
std::vector<std::string> work_args(const Servers& s, const std::string& work = "work") {
  return {"migrate",
          "postgres",
          "--from",
          s.source.url("app"),
          "--to",
          s.target.url("app"),
          "--work-dir=" + (s.dir.path / work).string()};
}

json json_output(const RehomeRun& run) {
  size_t at = run.output.find("\n{");
  return json::parse(run.output.substr(at == std::string::npos ? 0 : at + 1));
}

}  // namespace

TEST(MigratePostgres, CopiesEverythingAndProvesIt) {
  Servers s;
  create_filled_app(s);
  auto run = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"),
                         "--jobs", "3", state_flag(s.dir)});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("✓"), std::string::npos) << run.output;
  // The default proof: the target's in-server hash against rehome's of the source stream, except
  // public.orders (an enum column: read back).
  EXPECT_NE(run.output.find("proof by table: readback 1, stream 36"), std::string::npos) << run.output;
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
  EXPECT_EQ(table_fingerprints(s.target, "app").size(), 37u);  // 30 small + 7 others
  // Sequences, identity, indexes, constraints, triggers and the enum made it.
  EXPECT_EQ(s.target.psql("SELECT last_value FROM billing.invoice_numbers", "app"), "1041");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_customer_idx'", "app"),
            "1");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_constraint WHERE contype = 'f'", "app"), "2");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'orders_touch'", "app"), "1");
  // The per-unit bookkeeping is gone; the one-row run table (the migration's identity) stays.
  EXPECT_EQ(s.target.psql("SELECT to_regclass('_rehome_migrate.copied') IS NULL", "app"), "t");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM _rehome_migrate.run", "app"), "1");

  // JSON summary; running the same command again only verifies.
  auto again = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"),
                           state_flag(s.dir), "--verify", "server", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  json j = json_output(again);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_TRUE(j["already_complete"].get<bool>());
  EXPECT_EQ(j["tables"].size(), 37u);
  EXPECT_EQ(j["table_count"]["source"], j["table_count"]["target"]);
  // The sequences go on from the source's values.
  EXPECT_EQ(s.target.psql("SELECT nextval('public.orders_id_seq')", "app"), "3002");
  EXPECT_EQ(s.target.psql("INSERT INTO public.audit (who, amount_cents) VALUES ('x', 1) RETURNING id", "app"),
            "201");
}

TEST(MigratePostgres, ProvesInEachServerAndGathersStatisticsOnRequest) {
  Servers s;
  create_filled_app(s);
  auto run = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"),
                         "--jobs", "2", state_flag(s.dir), "--verify", "server", "--analyze", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json j = json_output(run);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["tables"].size(), 37u);
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
  // Every migrated table analyzed (rehome's one-row run table is not the user's).
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NULL"
                          " AND schemaname <> '_rehome_migrate'",
                          "app"),
            "0");
}

TEST(MigratePostgres, DetectsADifferenceAndNamesTheTable) {
  Servers s;
  create_filled_app(s);
  ASSERT_EQ(run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"),
                        state_flag(s.dir)})
                .exit_code,
            0);
  s.target.psql("UPDATE public.small_07 SET v = 'tampered' WHERE id = 3", "app");
  auto run = run_rehome(
      {"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"), state_flag(s.dir)});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("public.small_07: same row count (70) but different content"), std::string::npos)
      << run.output;
  // The stream sums differed, so both sides were read back byte-exact before it was reported.
  EXPECT_NE(run.output.find("read back byte-exact after the stream hashes differed: public.small_07"),
            std::string::npos)
      << run.output;
  // Readback from the start sees it too.
  auto readback = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to",
                              s.target.url("app"), state_flag(s.dir), "--verify", "readback"});
  EXPECT_EQ(readback.exit_code, 1) << readback.output;
  EXPECT_NE(readback.output.find("public.small_07: same row count (70) but different content"),
            std::string::npos)
      << readback.output;
  // The in-server proof (each server hashes its own rows in SQL) sees it too.
  auto server = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", s.target.url("app"),
                            state_flag(s.dir), "--verify", "server"});
  EXPECT_EQ(server.exit_code, 1) << server.output;
  EXPECT_NE(server.output.find("public.small_07: same row count (70) but different content"),
            std::string::npos)
      << server.output;
}

TEST(MigratePostgres, StreamHashesThatDisagreeAreSettledByReadingBack) {
  Servers s;
  create_filled_app(s);
  // As if rehome hashed some value of public.small_03 unlike the server: the sums differ, both sides
  // are read back byte-exact, they are equal, and the migration is verified.
  auto run = run_rehome_testhooks({"migrate", "postgres", "--from", s.source.url("app"), "--to",
                                   s.target.url("app"), state_flag(s.dir), "--json"},
                                  {{"REHOME_TEST_SKEW_STREAM_HASH", "public.small_03"}});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  json j = json_output(run);
  EXPECT_TRUE(j["verified"].get<bool>());
  int reread = 0;
  for (const auto& t : j["tables"]) {
    if (t["table"] == "public.small_03") {
      EXPECT_TRUE(t["reread"].get<bool>());
      EXPECT_EQ(t["proof"], "readback");
    }
    reread += t["reread"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(reread, 1);
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
}

TEST(MigratePostgres, SplitsOneServiceIntoItsOwnDatabaseAndReportsCrossingKeys) {
  Servers s;
  s.source.create_database("monolith");
  s.target.create_database("orders_service");
  s.target.create_database("billing_service");
  fill_source(s.source, "monolith", 0);

  auto orders = run_rehome({"migrate", "postgres", "--from", s.source.url("monolith"), "--to",
                            s.target.url("orders_service"), "--tables", "orders,public.events",
                            state_flag(s.dir, "a"), "--json"});
  ASSERT_EQ(orders.exit_code, 0) << orders.output;
  json j = json_output(orders);
  ASSERT_EQ(j["tables"].size(), 2u);
  // orders -> customers is cut (outgoing); billing.invoices -> orders is cut (incoming).
  ASSERT_EQ(j["crossing_foreign_keys"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["crossing_foreign_keys"][0]["constraint"], "invoices_order_id_fkey");
  EXPECT_EQ(j["crossing_foreign_keys"][1]["constraint"], "orders_customer_id_fkey");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM public.orders", "orders_service"), "3001");
  EXPECT_EQ(s.target.psql("SELECT to_regclass('public.customers') IS NULL", "orders_service"), "t");

  auto billing = run_rehome({"migrate", "postgres", "--from", s.source.url("monolith"), "--to",
                             s.target.url("billing_service"), "--schema", "billing", state_flag(s.dir, "b")});
  ASSERT_EQ(billing.exit_code, 0) << billing.output;
  EXPECT_NE(billing.output.find("Foreign keys crossing the cut"), std::string::npos) << billing.output;
  EXPECT_EQ(s.target.psql("SELECT last_value FROM billing.invoice_numbers", "billing_service"), "1041");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM billing.invoices", "billing_service"), "1000");

  // Two selections into one database keep a run row each: the first is still "already complete".
  auto beside = run_rehome({"migrate", "postgres", "--from", s.source.url("monolith"), "--to",
                            s.target.url("orders_service"), "--schema", "billing", state_flag(s.dir, "c")});
  ASSERT_EQ(beside.exit_code, 0) << beside.output;
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM _rehome_migrate.run", "orders_service"), "2");
  auto again = run_rehome({"migrate", "postgres", "--from", s.source.url("monolith"), "--to",
                           s.target.url("orders_service"), "--tables", "orders,public.events",
                           state_flag(s.dir, "a")});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already complete: run"), std::string::npos) << again.output;
}

TEST(MigratePostgres, RefusesANonEmptyTargetUnlessTruncate) {
  Servers s;
  create_filled_app(s);
  s.target.psql("CREATE TABLE public.leftover (x int); INSERT INTO public.leftover VALUES (1)", "app");
  std::vector<std::string> args = {"migrate", "postgres",          "--from",         s.source.url("app"),
                                   "--to",    s.target.url("app"), state_flag(s.dir)};
  auto refused = run_rehome(args);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("is not empty"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("public.leftover"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--truncate"), std::string::npos) << refused.output;
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM public.leftover", "app"), "1");  // untouched
  EXPECT_FALSE(std::filesystem::exists(s.dir.path / "state.json"));

  args.push_back("--truncate");
  auto run = run_rehome(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
}

TEST(MigratePostgres, BadInputEndsInAClearMessage) {
  PostgresServer source({.password = "Src-S3cret"});
  PostgresServer target({.password = "Tgt-S3cret"});
  source.create_database("app");
  target.create_database("app");
  source.psql("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)", "app");
  TempDir dir;
  auto migrate = [&](const std::string& from, const std::string& to,
                     std::map<std::string, std::string> env = {}) {
    return run_rehome({"migrate", "postgres", "--from", from, "--to", to, state_flag(dir)}, env);
  };
  auto expect_clear = [&](const RehomeRun& run, const std::string& words) {
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find(words), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("what to do:"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("S3cret"), std::string::npos) << "password leaked:\n" << run.output;
    EXPECT_EQ(run.output.find("internal error"), std::string::npos) << run.output;
  };

  expect_clear(migrate("mysql://x", target.url("app")), "--from mysql://x: not a postgresql:// URL");
  expect_clear(migrate(source.url("app"), "postgresql://u:Bad-S3cret@127.0.0.1:notaport/app"), "--to");
  expect_clear(migrate(source.url("app"), "postgresql://u:x-S3cret@127.0.0.1:5432"), "no database name");
  int closed = free_port();
  expect_clear(migrate(source.url("app"),
                       "postgresql://postgres:Tgt-S3cret@127.0.0.1:" + std::to_string(closed) + "/app"),
               "server unreachable");
  expect_clear(migrate(source.url_with_password("Wrong-S3cret", "app"), target.url("app")),
               "wrong or missing password");
  expect_clear(migrate(source.url("app"), target.url("nosuchdb")), "database 'nosuchdb' does not exist");
  expect_clear(migrate(source.url("app"), target.url("app"), {{"PATH", "/nonexistent"}}),
               "pg_dump not found");
  auto missing_table = run_rehome({"migrate", "postgres", "--from", source.url("app"), "--to",
                                   target.url("app"), "--tables", "nope", state_flag(dir)});
  expect_clear(missing_table, "table public.nope does not exist");
  // Nothing was created on the target by any of these.
  EXPECT_EQ(target.psql(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
                "app"),
            "0");
  auto ok = migrate(source.url("app"), target.url("app"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output.find("S3cret"), std::string::npos) << ok.output;
}

// The resume state bound to the target it describes (issue 22): a finished migration re-run says
// "already complete" with its figures; the same command after the target was dropped and recreated
// empty finds the state stale and starts over; a target carrying another run's trace is refused with
// the flag named, and the flag works.
TEST(MigratePostgresState, FinishedThenRecreatedTargetStartsOver) {
  Servers s;
  create_filled_app(s);
  auto first = run_rehome(work_args(s));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // The state lives in the work folder; the target keeps a one-row run table naming the same run.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(s.dir.path / "work")) {
    EXPECT_EQ(e.path().extension(), ".json") << e.path();
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM _rehome_migrate.run WHERE finished_at IS NOT NULL", "app"),
            "1");
  EXPECT_EQ(s.target.psql("SELECT to_regclass('_rehome_migrate.copied') IS NULL", "app"), "t");

  // Re-run: already complete, the original figures, verified again.
  auto args = work_args(s);
  args.push_back("--json");
  auto again = run_rehome(args);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  json j = json_output(again);
  EXPECT_TRUE(j["already_complete"].get<bool>());
  EXPECT_EQ(j["original"]["tables"], 37);
  EXPECT_GT(j["original"]["rows"].get<int64_t>(), 0);
  EXPECT_FALSE(j["completed_at"].get<std::string>().empty());
  auto plain = run_rehome(work_args(s));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("already complete: run"), std::string::npos) << plain.output;
  EXPECT_NE(plain.output.find("37 tables"), std::string::npos) << plain.output;

  // The work folder lost: no state file, the target's finished run of this source is adopted and
  // proven again, not refused as "not empty"; the same run id.
  const std::string run_id = j["run_id"].get<std::string>();
  std::filesystem::remove_all(s.dir.path / "work");
  auto lost = run_rehome(args);
  ASSERT_EQ(lost.exit_code, 0) << lost.output;
  json l = json_output(lost);
  EXPECT_TRUE(l["already_complete"].get<bool>()) << lost.output;
  EXPECT_TRUE(l["verified"].get<bool>());
  EXPECT_EQ(l["run_id"], run_id);
  EXPECT_NE(lost.output.find("no state file"), std::string::npos) << lost.output;
  // And it is a proof: a row changed on the target is found.
  s.target.psql(
      "UPDATE public.customers SET name = name || 'x' "
      "WHERE id = (SELECT min(id) FROM public.customers)",
      "app");
  std::filesystem::remove_all(s.dir.path / "work");
  auto changed = run_rehome(args);
  EXPECT_EQ(changed.exit_code, 1) << changed.output;
  EXPECT_NE(changed.output.find("public.customers"), std::string::npos) << changed.output;

  // The case: the target dropped and recreated empty, the same command from the same folder.
  s.target.psql("DROP DATABASE app WITH (FORCE)");
  s.target.create_database("app");
  auto over = run_rehome(work_args(s));
  ASSERT_EQ(over.exit_code, 0) << over.output;
  EXPECT_NE(over.output.find("is stale: the target has no trace of its run"), std::string::npos)
      << over.output;
  EXPECT_NE(over.output.find("starting over"), std::string::npos) << over.output;
  EXPECT_EQ(over.output.find("missing on the target"), std::string::npos) << over.output;
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
}

TEST(MigratePostgresState, AnotherRunsTraceIsRefusedUntilTruncate) {
  Servers s;
  create_filled_app(s);
  ASSERT_EQ(run_rehome(work_args(s, "a")).exit_code, 0);
  // Another migration into the same target (another work folder) replaces the run on the target.
  auto other = work_args(s, "b");
  other.push_back("--truncate");
  ASSERT_EQ(run_rehome(other).exit_code, 0);
  const std::string run_b = s.target.psql("SELECT run_id FROM _rehome_migrate.run", "app");

  auto refused = run_rehome(work_args(s, "a"));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("is stale: the target carries another run (" + run_b + ")"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("--truncate"), std::string::npos) << refused.output;
  EXPECT_EQ(s.target.psql("SELECT run_id FROM _rehome_migrate.run", "app"), run_b);  // nothing changed

  auto truncate = work_args(s, "a");
  truncate.push_back("--truncate");
  auto run = run_rehome(truncate);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("starting over"), std::string::npos) << run.output;
  EXPECT_NE(s.target.psql("SELECT run_id FROM _rehome_migrate.run", "app"), run_b);
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
}
