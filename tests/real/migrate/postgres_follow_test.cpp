// rehome migrate postgres --follow / --cutover against real PostgreSQL 15 servers (wal_level = logical):
// a writer inserts, updates and deletes all through the copy and after it; then it stops, the cutover
// catches up, verifies and cleans up, and the write-freeze window is measured. Every acknowledged write is
// on the target (independent check: each table's count and md5 of its sorted rows on both servers).
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <libpq-fe.h>

#include "migrate_fixture.hpp"
#include "real/harness/server_process.hpp"

using namespace rehome::test;
using nlohmann::json;

namespace {

PostgresOptions logical() { return {.settings = {"wal_level=logical"}}; }

json json_output(const RehomeRun& run) {
  size_t at = run.output.find("\n{");
  return json::parse(run.output.substr(at == std::string::npos ? 0 : at + 1));
}

// One statement through libpq (the test's own client, not rehome's); its first cell. Throws on error.
std::string exec(PGconn* db, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(db, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0);
  const auto status = PQresultStatus(r);
  std::string out = status == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  std::string message = PQresultErrorMessage(r);
  PQclear(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + message);
  return out;
}

// Writes to the source until stopped, one transaction per statement, and remembers what the source
// acknowledged: ledger rows inserted (and not deleted), updates, deletes, rows of the key-less table.
class Writer {
 public:
  explicit Writer(const std::string& url) : url_(url) {
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() { stop(); }
  // Stops after the statement in flight; returns when the writer is gone.
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t writes() const { return writes_.load(); }
  std::vector<int64_t> live_ids() const {
    std::vector<int64_t> out;
    for (size_t i = 0; i < ids_.size(); ++i)
      if (!deleted_[i]) out.push_back(ids_[i]);
    return out;
  }
  std::string error;

 private:
  void run() {
    try {
      std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url_.c_str()), &PQfinish);
      if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
      PGconn* db = conn.get();
      for (int64_t i = 0; !stop_; ++i) {
        ids_.push_back(std::stoll(exec(db, "INSERT INTO public.ledger (v, note) VALUES ($1, $2) RETURNING id",
                                       {std::to_string(i), fmt::format("w{}", i)})));
        deleted_.push_back(false);
        if (i % 3 == 0)
          exec(db, "UPDATE public.ledger SET v = v + 1000, note = note || '+' WHERE id = $1",
               {std::to_string(ids_[static_cast<size_t>(i / 2)])});
        if (i % 7 == 6 && !deleted_[static_cast<size_t>(i - 5)]) {
          exec(db, "DELETE FROM public.ledger WHERE id = $1",
               {std::to_string(ids_[static_cast<size_t>(i - 5)])});
          deleted_[static_cast<size_t>(i - 5)] = true;
        }
        if (i % 5 == 0)
          exec(db, "INSERT INTO public.events (at, kind, data) VALUES (now(), 'write', $1::json)",
               {fmt::format("{{\"i\": {}}}", i)});
        if (i % 11 == 0)
          exec(db, "UPDATE public.events SET kind = 'updated' WHERE kind = 'write' AND data->>'i' = $1",
               {std::to_string(i - 5)});
        if (i % 13 == 0)
          exec(db, "UPDATE public.orders SET note = $1 WHERE id = (SELECT min(id) FROM public.orders)",
               {fmt::format("note {}", i)});
        ++writes_;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }

  std::string url_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> writes_{0};
  std::vector<int64_t> ids_;
  std::vector<bool> deleted_;
  std::thread thread_;
};

struct Servers {
  PostgresServer source{logical()};
  PostgresServer target;
  TempDir dir;
  Servers(int big_rows = 0) {
    source.create_database("app");
    target.create_database("app");
    fill_source(source, "app", big_rows);
    source.psql("CREATE TABLE public.ledger (id bigserial PRIMARY KEY, v bigint, note text)", "app");
  }
  // The fixture's key-less events table holds json, which has no equality: the target could not find
  // its rows to update (REPLICA IDENTITY FULL compares whole rows). As jsonb it can.
  void comparable_events() const {
    source.psql("ALTER TABLE public.events ALTER COLUMN data TYPE jsonb USING data::jsonb", "app");
  }
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {
        "migrate",         "postgres", "--from",
        source.url("app"), "--to",     target.url("app"),
        "--jobs",          "2",        "--state=" + (dir.path / "state.json").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::string source_slots() const { return source.psql("SELECT count(*) FROM pg_replication_slots", "app"); }
};

}  // namespace

TEST(MigratePostgresFollow, WritesDuringTheCopyAreAllOnTheTargetAfterTheCutover) {
  Servers s(200000);
  s.comparable_events();
  Writer writer(s.source.url("app"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t before_copy = writer.writes();

  auto copy = run_rehome(s.args({"--follow", "--replica-identity-full", "--json"}));
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  const int64_t during_copy = writer.writes() - before_copy;
  EXPECT_NE(json_output(copy)["follow_slot"].get<std::string>(), "");
  EXPECT_EQ(s.source_slots(), "1");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_subscription", "app"), "1");
  // The key-less table was given a replica identity, so the source's UPDATEs of it keep working.
  EXPECT_EQ(s.source.psql("SELECT relreplident FROM pg_class WHERE oid = 'public.events'::regclass", "app"),
            "f");

  // Following: lag is reported while the writer still writes.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto lag = run_rehome(s.args({"--lag", "--json"}));
  ASSERT_EQ(lag.exit_code, 0) << lag.output;
  EXPECT_TRUE(json_output(lag)["streaming"].get<bool>()) << lag.output;

  // The write freeze: from the writer's last acknowledged write to the cutover's verified end.
  writer.stop();
  ASSERT_EQ(writer.error, "");
  const auto stopped = std::chrono::steady_clock::now();
  auto cutover = run_rehome(s.args({"--cutover", "--json"}));
  const double measured = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  ASSERT_EQ(cutover.exit_code, 0) << cutover.output;
  json report = json_output(cutover);
  EXPECT_TRUE(report["verified"].get<bool>());
  EXPECT_TRUE(report["dropped"].get<bool>());
  const double window = report["seconds"]["window"].get<double>();
  const double verified = report["seconds"]["verified"].get<double>();
  std::printf(
      "writes: %lld in all, %lld during the copy; write-freeze window (stop -> target writable) %.3f s "
      "(catch-up %.3f s); verified after %.3f s (proof %.3f s); stop to cutover exit %.3f s\n",
      static_cast<long long>(writer.writes()), static_cast<long long>(during_copy), window,
      report["seconds"]["catch_up"].get<double>(), verified, report["seconds"]["verify"].get<double>(),
      measured);
  EXPECT_GT(during_copy, 0) << "the writer wrote nothing during the copy";
  EXPECT_LT(window, 10.0);
  EXPECT_LT(verified, 30.0);

  // Independent of rehome: every table's row count and md5 of its sorted rows on both servers.
  auto source_prints = table_fingerprints(s.source, "app");
  auto target_prints = table_fingerprints(s.target, "app");
  EXPECT_EQ(source_prints, target_prints);
  EXPECT_GT(source_prints.size(), 20u);
  // Every acknowledged insert that was not deleted is on the target.
  auto ids = writer.live_ids();
  std::string list;
  for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  EXPECT_EQ(
      s.target.psql("SELECT count(*) FROM public.ledger WHERE id = ANY('{" + list + "}'::bigint[])", "app"),
      std::to_string(ids.size()));
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM public.ledger", "app"), std::to_string(ids.size()));
  // Sequences set; nothing of the follow left on either side.
  EXPECT_EQ(s.target.psql("SELECT last_value FROM public.ledger_id_seq", "app"),
            s.source.psql("SELECT last_value FROM public.ledger_id_seq", "app"));
  EXPECT_EQ(s.source_slots(), "0");
  EXPECT_EQ(s.source.psql("SELECT count(*) FROM pg_publication", "app"), "0");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_subscription", "app"), "0");
  EXPECT_EQ(s.source.psql("SELECT count(*) FROM pg_namespace WHERE nspname = '_rehome_follow'", "app"), "0");
  EXPECT_EQ(s.target.psql("SELECT count(*) FROM pg_namespace WHERE nspname = '_rehome_follow'", "app"), "0");
}

TEST(MigratePostgresFollow, RefusesWithoutLogicalWalOrReplicaIdentityAndLeavesNoSlot) {
  // wal_level = replica: the exact setting to change.
  PostgresServer plain;
  PostgresServer target;
  plain.create_database("app");
  target.create_database("app");
  plain.psql("CREATE TABLE t (id int PRIMARY KEY)", "app");
  TempDir dir;
  auto run = run_rehome({"migrate", "postgres", "--from", plain.url("app"), "--to", target.url("app"),
                         "--follow", "--state=" + (dir.path / "state.json").string()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("wal_level = logical"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("ALTER SYSTEM SET wal_level = logical"), std::string::npos) << run.output;

  // A key-less table whose rows the target could not compare (json) is refused even with
  // --replica-identity-full; one it could is named with the fix. Nothing is left on the source.
  Servers s;
  auto hopeless = run_rehome(s.args({"--follow", "--replica-identity-full"}));
  EXPECT_NE(hopeless.exit_code, 0);
  EXPECT_NE(hopeless.output.find("public.events (data json)"), std::string::npos) << hopeless.output;
  s.comparable_events();
  auto refused = run_rehome(s.args({"--follow"}));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("public.events"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("REPLICA IDENTITY FULL"), std::string::npos) << refused.output;
  EXPECT_EQ(s.source_slots(), "0");
  EXPECT_EQ(s.source.psql("SELECT count(*) FROM pg_publication", "app"), "0");
  EXPECT_EQ(s.source.psql("SELECT relreplident FROM pg_class WHERE oid = 'public.events'::regclass", "app"),
            "d");
}

TEST(MigratePostgresFollow, KilledMidCopyStartsOverAndStopFollowDropsEverything) {
  Servers s(250000);  // public.big: ~35 MB, split into block ranges
  s.comparable_events();
  auto args = s.args({"--follow", "--replica-identity-full"});
  run_rehome_and_kill_at(args, "copy:public.big#2");
  EXPECT_EQ(s.source_slots(), "1");  // what kill -9 leaves: the next run drops it
  s.source.psql("INSERT INTO public.ledger (v) SELECT g FROM generate_series(1, 100) g", "app");

  auto again = run_rehome(args);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("starts over"), std::string::npos) << again.output;
  EXPECT_EQ(s.source_slots(), "1");
  s.source.psql("UPDATE public.ledger SET v = -v", "app");

  auto cutover = run_rehome(s.args({"--cutover"}));
  ASSERT_EQ(cutover.exit_code, 0) << cutover.output;
  EXPECT_EQ(table_fingerprints(s.source, "app"), table_fingerprints(s.target, "app"));
  EXPECT_EQ(s.source_slots(), "0");

  // A second follow, abandoned: --stop-follow drops the subscription, the slot and the publication.
  PostgresServer other;
  other.create_database("app");
  const std::string other_state = "--state=" + (s.dir.path / "other.json").string();
  auto follow = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", other.url("app"),
                            other_state, "--follow", "--replica-identity-full"});
  ASSERT_EQ(follow.exit_code, 0) << follow.output;
  EXPECT_EQ(s.source_slots(), "1");
  auto stop = run_rehome({"migrate", "postgres", "--from", s.source.url("app"), "--to", other.url("app"),
                          other_state, "--stop-follow"});
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_NE(stop.output.find("replication slot"), std::string::npos) << stop.output;
  EXPECT_EQ(s.source_slots(), "0");
  EXPECT_EQ(other.psql("SELECT count(*) FROM pg_subscription", "app"), "0");
}

TEST(MigratePostgresFollow, TheSubscriptionTakesItsPasswordFromAPassfileNeverFromRehome) {
  // The source asks for a password over TCP; rehome reads it from PGPASSFILE, the target's server from
  // the passfile named in --source-from-target (owned by the user the servers run as, mode 0600).
  const std::string secret = "f0llow-s3cret";
  PostgresServer source({.password = secret, .settings = {"wal_level=logical"}});
  PostgresServer target;
  source.create_database("app");
  target.create_database("app");
  source.psql(
      "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, "
      "1000) g",
      "app");
  TempDir dir;
  const auto passfile = dir.path / "pgpass";
  std::ofstream(passfile) << "127.0.0.1:" << source.port() << ":*:" << source.user() << ":" << secret << "\n";
  std::filesystem::permissions(passfile,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const RunAs user = server_user();
  if (user.switch_user) {
    ASSERT_EQ(::chown(dir.path.c_str(), user.uid, user.gid), 0);
    ASSERT_EQ(::chown(passfile.c_str(), user.uid, user.gid), 0);
  }
  const std::string from = source.url_with_password("", "app");
  const std::string seen = "host=127.0.0.1 port=" + std::to_string(source.port()) + " user=" + source.user() +
                           " dbname=app passfile=" + passfile.string();
  const std::map<std::string, std::string> env = {{"PGPASSFILE", passfile.string()}};
  std::vector<std::string> args = {"migrate",
                                   "postgres",
                                   "--from",
                                   from,
                                   "--to",
                                   target.url("app"),
                                   "--state=" + (dir.path / "state.json").string()};
  auto with = [&](std::vector<std::string> extra) {
    auto a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  // A password in --source-from-target is refused: the target would keep it in its catalog.
  auto refused = run_rehome(with({"--follow", "--source-from-target", seen + " password=" + secret}), env);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("holds a password"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find(secret), std::string::npos);
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_replication_slots", "app"), "0");

  auto follow = run_rehome(with({"--follow", "--source-from-target", seen}), env);
  ASSERT_EQ(follow.exit_code, 0) << follow.output;
  EXPECT_EQ(follow.output.find(secret), std::string::npos);
  EXPECT_EQ(
      target.psql("SELECT count(*) FROM pg_subscription WHERE subconninfo LIKE '%" + secret + "%'", "app"),
      "0");
  source.psql("UPDATE t SET v = v || '!' WHERE id % 3 = 0; INSERT INTO t VALUES (5000, 'late')", "app");
  auto cutover = run_rehome(with({"--cutover"}), env);
  ASSERT_EQ(cutover.exit_code, 0) << cutover.output;
  EXPECT_EQ(cutover.output.find(secret), std::string::npos);
  EXPECT_EQ(table_fingerprints(source, "app"), table_fingerprints(target, "app"));
  EXPECT_EQ(source.psql("SELECT count(*) FROM pg_replication_slots", "app"), "0");
}
