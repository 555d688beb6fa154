// The PostgreSQL migration's evidence: PgMigrationReport <-> JSON (kind rehome.migration.postgres).
#include "common/evidence.hpp"
#include "migrate/postgres/migration.hpp"

namespace rehome::migrate {
namespace {

using nlohmann::json;

TableName table_name(const std::string& display) {
  auto dot = display.find('.');
  if (dot == std::string::npos) return {"", display};
  return {display.substr(0, dot), display.substr(dot + 1)};
}

VerifyMode verify_mode(const std::string& name) {
  for (auto mode : {VerifyMode::stream, VerifyMode::readback, VerifyMode::server, VerifyMode::none})
    if (name == verify_mode_name(mode)) return mode;
  return VerifyMode::stream;
}

}  // namespace

json to_json(const PgMigrationReport& r) {
  json tables = json::array(), sequences = json::array(), crossing = json::array();
  for (const auto& t : r.tables) {
    tables.push_back({{"table", t.table.display()},
                      {"source_rows", t.source_rows},
                      {"target_rows", t.target_rows},
                      {"source_checksum", t.source_checksum},
                      {"target_checksum", t.target_checksum},
                      {"source_bytes", t.source_bytes},
                      {"target_bytes", t.target_bytes},
                      {"proof", verify_mode_name(t.proof)},
                      {"reread", t.reread},
                      {"ok", t.ok()}});
  }
  for (const auto& s : r.sequences) {
    sequences.push_back({{"sequence", s.sequence.display()},
                         {"source", s.source ? json(*s.source) : json(nullptr)},
                         {"target", s.target ? json(*s.target) : json(nullptr)},
                         {"ok", s.ok()}});
  }
  for (const auto& c : r.crossing_keys) {
    crossing.push_back({{"constraint", c.key.name},
                        {"from", c.key.from.display()},
                        {"to", c.key.to.display()},
                        {"direction", c.outgoing ? "migrated table refers to one left behind"
                                                 : "table left behind refers to a migrated one"}});
  }
  json j = {{"source", r.source},
            {"target", r.target},
            {"selection", r.selection},
            {"state_file", r.state_file.string()},
            {"resumed", r.resumed},
            {"already_complete", r.already_complete},
            {"content_proven", r.content_proven},
            {"verified", r.verified()},
            {"problems", r.problems()},
            {"rows_copied", r.rows_copied},
            {"bytes_copied", r.bytes_copied},
            {"units", r.units},
            {"units_copied_now", r.units_copied_now},
            {"seconds",
             {{"schema", r.schema_seconds},
              {"copy", r.copy_seconds},
              {"indexes", r.post_data_seconds},
              {"verify", r.verify_seconds},
              {"total", r.total_seconds},
              {"copy_work", r.copy_work_seconds},
              {"verify_work", r.verify_work_seconds},
              {"index_work", r.index_work_seconds}}},
            {"table_count",
             {{"source", r.tables.size()}, {"target", r.tables.size() + r.extra_target_tables.size()}}},
            {"tables", tables},
            {"sequences", sequences},
            {"crossing_foreign_keys", crossing},
            {"extra_target_tables", r.extra_target_tables},
            {"follow_slot", r.follow_slot}};
  // The run (state file and the target's _rehome_migrate.run); a re-run of a finished one: its figures then.
  j["run_id"] = r.run_id;
  j["stale_state"] = r.stale_state;
  j["completed_at"] = r.completed_at;
  j["original"] = {{"tables", r.original_tables}, {"rows", r.original_rows}, {"bytes", r.original_bytes}};
  evidence::stamp(j, kPgMigrationKind, kPgMigrationFormat);
  return j;
}

PgMigrationReport pg_migration_from_json(const json& j) {
  evidence::require(j, kPgMigrationKind, kPgMigrationFormat);
  PgMigrationReport r;
  r.source = j.at("source").get<std::string>();
  r.target = j.at("target").get<std::string>();
  r.selection = j.at("selection").get<std::string>();
  r.state_file = j.at("state_file").get<std::string>();
  r.resumed = j.at("resumed").get<bool>();
  r.already_complete = j.at("already_complete").get<bool>();
  // Evidence from before the run row (issue 22) has none of these.
  r.run_id = j.value("run_id", "");
  r.stale_state = j.value("stale_state", "");
  r.completed_at = j.value("completed_at", "");
  if (j.contains("original")) {
    const auto& o = j.at("original");
    r.original_tables = o.value("tables", int64_t{0});
    r.original_rows = o.value("rows", int64_t{0});
    r.original_bytes = o.value("bytes", int64_t{0});
  }
  r.content_proven = j.at("content_proven").get<bool>();
  r.rows_copied = j.at("rows_copied").get<int64_t>();
  r.bytes_copied = j.at("bytes_copied").get<int64_t>();
  r.units = j.at("units").get<int>();
  r.units_copied_now = j.at("units_copied_now").get<int>();
  const auto& s = j.at("seconds");
  r.schema_seconds = s.at("schema").get<double>();
  r.copy_seconds = s.at("copy").get<double>();
  r.post_data_seconds = s.at("indexes").get<double>();
  r.verify_seconds = s.at("verify").get<double>();
  r.total_seconds = s.at("total").get<double>();
  r.copy_work_seconds = s.at("copy_work").get<double>();
  r.verify_work_seconds = s.at("verify_work").get<double>();
  r.index_work_seconds = s.at("index_work").get<double>();
  for (const auto& t : j.at("tables")) {
    TableCheck c;
    c.table = table_name(t.at("table").get<std::string>());
    c.source_rows = t.at("source_rows").get<int64_t>();
    c.target_rows = t.at("target_rows").get<int64_t>();
    c.source_checksum = t.at("source_checksum").get<std::string>();
    c.target_checksum = t.at("target_checksum").get<std::string>();
    c.source_bytes = t.at("source_bytes").get<int64_t>();
    c.target_bytes = t.at("target_bytes").get<int64_t>();
    c.proof = verify_mode(t.at("proof").get<std::string>());
    c.reread = t.at("reread").get<bool>();
    r.tables.push_back(c);
  }
  for (const auto& q : j.at("sequences")) {
    SequenceCheck c;
    c.sequence = table_name(q.at("sequence").get<std::string>());
    if (!q.at("source").is_null()) c.source = q.at("source").get<int64_t>();
    if (!q.at("target").is_null()) c.target = q.at("target").get<int64_t>();
    // A sequence missing on the target is written as target null and not ok.
    c.target_exists = q.at("ok").get<bool>() || c.target.has_value() || !c.source.has_value();
    r.sequences.push_back(c);
  }
  for (const auto& k : j.at("crossing_foreign_keys")) {
    CrossingKey c;
    c.key.name = k.at("constraint").get<std::string>();
    c.key.from = table_name(k.at("from").get<std::string>());
    c.key.to = table_name(k.at("to").get<std::string>());
    c.outgoing = k.at("direction").get<std::string>() == "migrated table refers to one left behind";
    r.crossing_keys.push_back(c);
  }
  r.extra_target_tables = j.at("extra_target_tables").get<std::vector<std::string>>();
  r.follow_slot = j.value("follow_slot", "");
  return r;
}

}  // namespace rehome::migrate
