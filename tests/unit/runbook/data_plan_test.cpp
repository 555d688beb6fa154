// The data plan (runbook/data_plan.hpp): one enumeration of the estate's data, read by the runbook's
// phase 3 (so `rehome migrate run`) and by `rehome move`.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "fixtures.hpp"
#include "model/estate_yaml.hpp"
#include "plan/solver.hpp"
#include "runbook/data_plan.hpp"
#include "runbook/inputs.hpp"
#include "runbook/phases.hpp"
#include "runbook/runbook.hpp"
#include "support/paths.hpp"

namespace rehome::runbook {
namespace {

struct Seeds {
  model::Estate estate = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  plan::Plan plan = plan::make_plan(estate);
};

Seeds& seeds() {
  static Seeds s;
  return s;
}

RunbookOptions with_jobs(int jobs) {
  RunbookOptions o;
  o.copy.jobs = jobs;
  return o;
}

std::vector<DataItem> plan_of(const model::Estate& e, const plan::Plan& p, const RunbookOptions& o) {
  const auto& old = resolve_old_server(e, o.old_server);
  return data_plan(Context{e, p, o, old, resolve_first_manager(e, p)});
}

size_t index_of(const Runbook& rb, const std::string& id) {
  auto all = rb.steps();
  auto it = std::find_if(all.begin(), all.end(), [&](const Step* s) { return s->id == id; });
  EXPECT_NE(it, all.end()) << id;
  return it - all.begin();
}

TEST(DataPlan, NoStepOfTheSeedsEstateIsLeftByHand) {
  auto rb = make_runbook(seeds().estate, seeds().plan, with_jobs(6));
  for (const auto* s : rb.steps()) {
    EXPECT_EQ(s->command.find("/manual/"), std::string::npos) << s->id;
    EXPECT_EQ(s->title.find("by hand"), std::string::npos) << s->id;
  }
}

TEST(DataPlan, EveryDataServiceOfTheSeedsEstateHasAMoverStep) {
  const auto& e = seeds().estate;
  auto rb = make_runbook(e, seeds().plan, with_jobs(6));
  auto items = plan_of(e, seeds().plan, with_jobs(6));
  std::set<std::string> moved;
  for (const auto& d : items) {
    if (d.method == DataMethod::none) continue;
    moved.insert(d.service);
    const Step* s = rb.find_step("3.migrate." + d.slug());
    ASSERT_NE(s, nullptr) << d.slug();
    EXPECT_NE(s->command.find(" migrate " + d.engine + " "), std::string::npos) << s->command;
    EXPECT_FALSE(s->verify.empty()) << s->id;
  }
  for (const auto& s : e.services)
    if (s.data && !s.data->replica_of) {
      EXPECT_TRUE(moved.count(s.name)) << s.name << " (" << s.data->engine << ")";
    }
  // The engines the seeds hold, each by its mover: mariadb natively, influxdb and mongo cold.
  auto method_of = [&](const std::string& service) {
    for (const auto& d : items)
      if (d.service == service) return d.method;
    return DataMethod::none;
  };
  EXPECT_EQ(method_of("appwrite-mariadb"), DataMethod::native);
  EXPECT_EQ(method_of("mailcow-mysql"), DataMethod::native);
  EXPECT_EQ(method_of("appwrite-influxdb"), DataMethod::cold);
  EXPECT_EQ(method_of("dev-mongo"), DataMethod::cold);
  EXPECT_EQ(method_of("gitlab"), DataMethod::volume);
  EXPECT_EQ(method_of("redis-replica"), DataMethod::none);
}

TEST(DataPlan, JobsAndVerifyReachEveryMoverCommandOfTheRunbook) {
  auto o = with_jobs(6);
  o.copy.verify = "none";
  auto rb = make_runbook(seeds().estate, seeds().plan, o);
  std::set<std::string> engines;
  for (const auto* s : rb.steps()) {
    auto at = s->command.find(" migrate ");
    if (at == std::string::npos || s->command.find("rehome migrate", 0) == std::string::npos) continue;
    std::string engine = s->command.substr(at + 9, s->command.find(' ', at + 9) - at - 9);
    engines.insert(engine);
    if (engine == "postgres" || engine == "mariadb") {
      // The movers with parallel connections take --jobs, and the verify mode in their words.
      EXPECT_NE(s->command.find(" --jobs 6 "), std::string::npos) << s->id;
      EXPECT_NE(s->command.find(" --verify none "), std::string::npos) << s->id;
    } else {
      // redis and the volume mover have no --jobs: nothing they would refuse is passed.
      EXPECT_EQ(s->command.find("--jobs"), std::string::npos) << s->id;
    }
  }
  EXPECT_EQ(engines, (std::set<std::string>{"postgres", "redis", "mariadb", "volume"}));
  // readback reaches the volume mover as --rehash.
  o.copy.verify = "readback";
  auto rehash = make_runbook(seeds().estate, seeds().plan, o);
  EXPECT_NE(rehash.find_step("3.migrate.volume.gitlab-data")->command.find(" --rehash "), std::string::npos);
}

TEST(DataPlan, EveryMoverHasABackupWithItsVerifyAndRollback) {
  auto rb = make_runbook(seeds().estate, seeds().plan, with_jobs(6));
  const Step* maria = rb.find_step("3.backup.appwrite-mariadb");
  ASSERT_NE(maria, nullptr);
  EXPECT_NE(maria->command.find("mariadb-dump -h ${APPWRITE_MARIADB_OLD_HOST:-"), std::string::npos);
  EXPECT_NE(maria->command.find("--single-transaction"), std::string::npos);
  EXPECT_NE(maria->command.find("--databases appwrite"), std::string::npos);
  EXPECT_NE(maria->verify.find("Dump completed"), std::string::npos);
  EXPECT_FALSE(maria->rollback.empty());
  ASSERT_NE(rb.find_step("0.backup.mailcow-mysql"), nullptr);
  ASSERT_NE(rb.find_step("0.credentials.appwrite-mariadb"), nullptr);
  // The password reaches the clients through MYSQL_PWD, never argv.
  EXPECT_NE(maria->command.find("MYSQL_PWD=\"${APPWRITE_MARIADB_PASSWORD}\""), std::string::npos);
  const Step* copy = rb.find_step("3.migrate.appwrite-mariadb");
  EXPECT_NE(copy->command.find("MYSQL_PWD=\"${APPWRITE_MARIADB_PASSWORD}\" rehome migrate mariadb --from "
                               "\"mariadb://${APPWRITE_MARIADB_USER:-root}@${APPWRITE_MARIADB_OLD_HOST:-"),
            std::string::npos)
      << copy->command;
  EXPECT_EQ(copy->command.find(":+:$APPWRITE_MARIADB_PASSWORD"), std::string::npos);
  // mariadb's copy is compared by CHECKSUM TABLE on both servers.
  EXPECT_NE(rb.find_step("3.migrate.appwrite-mariadb")->verify.find("CHECKSUM TABLE"), std::string::npos);
  // A volume's record is its copy's per-file manifest: verified by a second pass reading every file.
  const Step* v = rb.find_step("3.migrate.volume.gitlab-data");
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->verify.find("--rehash"), std::string::npos);
  EXPECT_NE(v->rollback.find("read-only"), std::string::npos);
}

TEST(DataPlan, ACopyWithoutNativeMoverStopsTheServiceCopiesVerifiesAndStarts) {
  auto rb = make_runbook(seeds().estate, seeds().plan, with_jobs(6));
  size_t stop = index_of(rb, "3.stop-old.appwrite-influxdb"),
         hold = index_of(rb, "3.hold-new.appwrite-influxdb"),
         copy = index_of(rb, "3.migrate.volume.appwrite-influxdb-data"),
         start = index_of(rb, "3.start-new.appwrite-influxdb");
  EXPECT_LT(stop, hold);
  EXPECT_LT(hold, copy);
  EXPECT_LT(copy, start);
  const Step* c = rb.find_step("3.migrate.volume.appwrite-influxdb-data");
  EXPECT_EQ(c->title, "cold copy volume.appwrite-influxdb-data");
  EXPECT_NE(c->what.find("no native mover for influxdb"), std::string::npos);
  EXPECT_NE(c->verify.find("\"changed_files\": 0,"), std::string::npos);  // nothing left to send
  EXPECT_NE(rb.find_step("3.stop-old.appwrite-influxdb")->rollback.find("docker start"), std::string::npos);
  EXPECT_NE(rb.find_step("3.hold-new.appwrite-influxdb")->command.find("appwrite_appwrite-influxdb=0"),
            std::string::npos);
  ASSERT_NE(rb.find_step("3.start-new.dev-mongo"), nullptr);
}

TEST(DataPlan, EnginesAreTheGivenOnesElseVariablesWithTheRunnersSocketOrSsh) {
  auto e = test::small_estate();
  for (auto& s : e.services)
    if (s.name == "shop-api")
      s.volumes = {{.name = "uploads", .target = "/srv/uploads"},
                   {.name = "/srv/shop/backups", .target = "/backups", .bind = true},
                   {.name = "/var/run/docker.sock", .target = "/var/run/docker.sock", .bind = true},
                   {.name = "/etc/shop", .target = "/etc/shop", .bind = true, .read_only = true}};
  RunbookOptions o;
  o.old_server = "old";
  auto items = plan_of(e, test::small_plan(), o);
  std::vector<DataItem> volumes;
  for (const auto& d : items)
    if (d.engine == "volume") volumes.push_back(d);
  ASSERT_EQ(volumes.size(), 2u);  // the socket and the read-only configuration are not data
  auto ends = volume_ends(volumes[0]);
  EXPECT_EQ(ends.from_engine, "${OLD_DOCKER_HOST:-unix:///var/run/docker.sock}");
  EXPECT_EQ(ends.from_volume, "uploads");
  EXPECT_EQ(ends.to_engine, "${APP_DOCKER_HOST:-ssh://10.0.0.81}");
  EXPECT_EQ(ends.to_volume, "production_uploads");
  EXPECT_EQ(volumes[1].slug(), "bind.srv-shop-backups");
  EXPECT_EQ(volume_mover_words(volumes[1]),
            "--from-path /srv/shop/backups --from-engine \"${OLD_DOCKER_HOST:-unix:///var/run/docker.sock}\" "
            "--to-engine \"${APP_DOCKER_HOST:-ssh://10.0.0.81}\" --to-path /srv/shop/backups");
  o.engines = {{"app", "unix:///run/app.sock"}};
  o.old_engine = "unix:///run/old.sock";
  ends = volume_ends(plan_of(e, test::small_plan(), o).back());
  EXPECT_EQ(ends.from_engine, "unix:///run/old.sock");
  EXPECT_EQ(ends.to_engine, "unix:///run/app.sock");
  // The old host kept in the cluster (here app, the volume's target too): the copy reads its compose
  // engine (--old-engine) and writes to its new one (--engine app=...), not back into the old engine.
  o.old_server = "app";
  ends = volume_ends(plan_of(e, test::small_plan(), o).back());
  EXPECT_EQ(ends.from_engine, "unix:///run/old.sock");
  EXPECT_EQ(ends.to_engine, "unix:///run/app.sock");
}

TEST(DataPlan, TheCommandLinesCopyOptionsAndEnginesReachTheRunbookOptions) {
  Inputs in{test::small_estate(), test::small_plan(), "estate.yaml", "plan.yaml"};
  RunbookArgs a;
  a.copy = {.jobs = 6, .verify = "readback"};
  a.old_engine = "unix:///run/old.sock";
  a.engines = {"app=unix:///run/app.sock"};
  auto o = runbook_options(a, in);
  EXPECT_EQ(o.copy.jobs, 6);
  EXPECT_EQ(o.copy.verify, "readback");
  EXPECT_EQ(o.old_engine, "unix:///run/old.sock");
  EXPECT_EQ(o.engines.at("app"), "unix:///run/app.sock");
  a.engines = {"nowhere=unix:///run/x.sock"};
  EXPECT_THROW(runbook_options(a, in), UserError);
  a.engines = {"app"};
  EXPECT_THROW(runbook_options(a, in), UserError);
}

}  // namespace
}  // namespace rehome::runbook
