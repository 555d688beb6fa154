#include "migrate/postgres/state.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "migrate/state_envelope.hpp"

namespace rehome::migrate {
namespace {

using nlohmann::json;

const char* status_name(UnitStatus s) {
  switch (s) {
    case UnitStatus::pending:
      return "pending";
    case UnitStatus::copying:
      return "copying";
    case UnitStatus::done:
      return "done";
  }
  return "pending";
}

UnitStatus status_from(const std::string& s) {
  if (s == "done") return UnitStatus::done;
  if (s == "copying") return UnitStatus::copying;
  return UnitStatus::pending;
}

}  // namespace

std::string state_to_json(const MigrationState& state) {
  json units = json::array();
  for (const auto& u : state.units) {
    units.push_back({{"id", u.unit.id},
                     {"schema", u.unit.table.schema},
                     {"table", u.unit.table.name},
                     {"first_block", u.unit.first_block},
                     {"end_block", u.unit.end_block},
                     {"estimated_bytes", u.unit.estimated_bytes},
                     {"status", status_name(u.status)},
                     {"rows", u.rows},
                     {"bytes", u.bytes},
                     {"attempts", u.attempts},
                     {"checksum", u.checksum}});
  }
  json j = state_envelope("rehome-migrate-postgres-state", state);
  j["run_id"] = state.run_id;
  j["source_system"] = state.source_system;
  j["steps"] = {{"schema", state.pre_data_done},
                {"copy", state.copy_done},
                {"indexes", state.post_data_finished},
                {"sequences", state.sequences_done},
                {"verify", state.verified}};
  j["post_data_done"] = state.post_data_done;
  j["units"] = units;
  return j.dump(1) + "\n";
}

MigrationState state_from_json(const std::string& text, const std::filesystem::path& path) {
  return read_state_file<MigrationState>(
      text, path, "rehome-migrate-postgres-state", "rehome migration state file",
      "delete it to start the migration from the beginning (the target must then be emptied, or use "
      "--truncate)",
      [](const json& j, MigrationState& s) {
        const json& steps = j.at("steps");
        s.run_id = j.value("run_id", "");
        s.source_system = j.value("source_system", "");
        s.pre_data_done = steps.value("schema", false);
        s.copy_done = steps.value("copy", false);
        s.post_data_finished = steps.value("indexes", false);
        s.sequences_done = steps.value("sequences", false);
        s.verified = steps.value("verify", false);
        s.post_data_done = j.value("post_data_done", std::set<std::string>{});
        for (const auto& u : j.at("units")) {
          UnitProgress p;
          p.unit = {.id = u.at("id"),
                    .table = {u.at("schema"), u.at("table")},
                    .first_block = u.at("first_block"),
                    .end_block = u.at("end_block"),
                    .estimated_bytes = u.value("estimated_bytes", int64_t{0})};
          p.status = status_from(u.value("status", "pending"));
          p.rows = u.value("rows", int64_t{0});
          p.bytes = u.value("bytes", int64_t{0});
          p.attempts = u.value("attempts", 0);
          p.checksum = u.value("checksum", "");
          s.units.push_back(std::move(p));
        }
      });
}

void StateFile::save_locked() const { write_file_atomically(path_, state_to_json(state_)); }

}  // namespace rehome::migrate
