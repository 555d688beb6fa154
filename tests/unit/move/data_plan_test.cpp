// `rehome move` reads the runbook's data plan (runbook/data_plan.hpp): the same items, decided once.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "model/estate_yaml.hpp"
#include "move/move.hpp"
#include "plan/solver.hpp"
#include "runbook/data_plan.hpp"
#include "support/paths.hpp"

namespace rehome::runbook {
namespace {

RunbookOptions with_jobs(int jobs) {
  RunbookOptions o;
  o.copy.jobs = jobs;
  return o;
}

TEST(DataPlan, MoveCarriesExactlyTheItemsOfTheRunbooksDataPlan) {
  const auto e = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  const auto p = plan::make_plan(e);
  move::MoveOptions mo;
  mo.jobs = 6;
  auto m = move::make_move(e, p, mo);
  RunbookOptions o = with_jobs(6);
  o.runner_address = e.servers.front().address;  // move's default
  std::vector<std::string> from_move, from_runbook;
  for (const auto& d : m.data) from_move.push_back(d.slug());
  for (const auto& d : data_plan(Context{e, p, o, e.servers.front(), resolve_first_manager(e, p)}))
    if (d.method != DataMethod::none) from_runbook.push_back(d.slug());
  EXPECT_EQ(from_move, from_runbook);
  std::set<std::string> unique(from_move.begin(), from_move.end());
  EXPECT_EQ(unique.size(), from_move.size()) << "a volume two services share is copied once";
  std::set<std::string> ids;
  for (const auto& s : m.steps) EXPECT_TRUE(ids.insert(s.id).second) << s.id;
  for (const auto& s : m.steps)
    if (s.kind == "copy" && (s.data->engine == "postgres" || s.data->engine == "mariadb")) {
      EXPECT_NE(s.actions.front().command.find("--jobs 6"), std::string::npos) << s.id;
    }
}

TEST(DataPlan, MoveCopiesAnEngineWithoutNativeMoverColdUnderTheFreeze) {
  const auto e = model::load_estate(rehome::test::example("wizardsofts/estate.yaml"));
  auto m = move::make_move(e, plan::make_plan(e), {});
  auto at = [&](const std::string& id) {
    for (size_t i = 0; i < m.steps.size(); ++i)
      if (m.steps[i].id == id) return i;
    ADD_FAILURE() << id;
    return m.steps.size();
  };
  // Held at 0 on the new side from its deploy, its old instance stopped by the freeze, the final sync's
  // pass made with both stopped, then started with the writers.
  const auto& deploy = m.steps[at("05.deploy.appwrite")];
  EXPECT_NE(deploy.what.find("appwrite-influxdb"), std::string::npos);
  EXPECT_LT(at("07.copy.volume.appwrite-influxdb-data"), at("08.freeze.appwrite-influxdb"));
  EXPECT_LT(at("08.freeze.appwrite-influxdb"), at("09.final-sync.volume.appwrite-influxdb-data"));
  EXPECT_LT(at("09.final-sync.volume.appwrite-influxdb-data"), at("13.writers.appwrite"));
  EXPECT_NE(std::find(m.writers.begin(), m.writers.end(), "dev-mongo"), m.writers.end());
}

}  // namespace
}  // namespace rehome::runbook
