// The MariaDB/MySQL migration's evidence: MariadbMigrationReport <-> JSON (kind rehome.migration.mariadb).
#include "common/evidence.hpp"
#include "migrate/mariadb/mariadb_migration.hpp"

namespace rehome::migrate {
namespace {

using nlohmann::json;

TableName table_name(const std::string& display) {  // "db.table"
  auto dot = display.find('.');
  if (dot == std::string::npos) return {"", display};
  return {display.substr(0, dot), display.substr(dot + 1)};
}

}  // namespace

json to_json(const MariadbMigrationReport& r) {
  json tables = json::array(), objects = json::array();
  for (const auto& t : r.tables) {
    json differences = json::array();
    for (const auto& d : t.differences) {
      differences.push_back({{"chunk", d.id},
                             {"range", d.range},
                             {"source_rows", d.source_rows},
                             {"target_rows", d.target_rows},
                             {"source_sum", d.source_sum},
                             {"target_sum", d.target_sum}});
    }
    tables.push_back({{"table", t.source.display()},
                      {"target_table", t.target.display()},
                      {"engine", t.engine},
                      {"split", t.split},
                      {"chunks", t.chunks},
                      {"source_rows", t.source_rows},
                      {"target_rows", t.target_rows},
                      {"source_checksum", t.source_checksum},
                      {"target_checksum", t.target_checksum},
                      {"source_bytes", t.source_bytes},
                      {"missing", t.missing},
                      {"differences", differences},
                      {"ok", t.ok()}});
  }
  for (const auto& o : r.objects)
    objects.push_back({{"kind", o.kind}, {"name", o.name}, {"ok", o.on_target}});
  json j = {{"source", r.source},
            {"target", r.target},
            {"selection", r.selection},
            {"state_file", r.state_file.string()},
            {"run_id", r.run_id},
            {"snapshot",
             {{"source_identity", r.source_identity},
              {"binlog_position", r.binlog_position},
              {"lock_seconds", r.lock_seconds}}},
            {"resumed", r.resumed},
            {"already_complete", r.already_complete},
            {"verify_only", r.verify_only},
            {"stale_state", r.stale_state},
            {"content_proven", r.content_proven},
            {"verified", r.verified()},
            {"problems", r.problems()},
            {"notes", r.notes},
            {"rows_copied", r.rows_copied},
            {"bytes_sent", r.bytes_copied},
            {"chunks",
             {{"total", r.units},
              {"copied_now", r.units_copied_now},
              {"reverified", r.units_reverified},
              {"recopied", r.units_recopied}}},
            {"seconds",
             {{"schema", r.schema_seconds},
              {"copy", r.copy_seconds},
              {"objects", r.objects_seconds},
              {"total", r.total_seconds},
              {"copy_work", r.copy_work_seconds},
              {"verify_work", r.verify_work_seconds}}},
            {"tables", tables},
            {"objects", objects}};
  evidence::stamp(j, kMariadbMigrationKind, kMariadbMigrationFormat);
  return j;
}

MariadbMigrationReport mariadb_migration_from_json(const json& j) {
  evidence::require(j, kMariadbMigrationKind, kMariadbMigrationFormat);
  MariadbMigrationReport r;
  r.source = j.at("source").get<std::string>();
  r.target = j.at("target").get<std::string>();
  r.selection = j.at("selection").get<std::string>();
  r.state_file = j.at("state_file").get<std::string>();
  r.run_id = j.at("run_id").get<std::string>();
  const auto& snap = j.at("snapshot");
  r.source_identity = snap.at("source_identity").get<std::string>();
  r.binlog_position = snap.at("binlog_position").get<std::string>();
  r.lock_seconds = snap.at("lock_seconds").get<double>();
  r.resumed = j.at("resumed").get<bool>();
  r.already_complete = j.at("already_complete").get<bool>();
  r.verify_only = j.at("verify_only").get<bool>();
  r.stale_state = j.at("stale_state").get<std::string>();
  r.content_proven = j.at("content_proven").get<bool>();
  r.notes = j.at("notes").get<std::vector<std::string>>();
  r.rows_copied = j.at("rows_copied").get<int64_t>();
  r.bytes_copied = j.at("bytes_sent").get<int64_t>();
  const auto& c = j.at("chunks");
  r.units = c.at("total").get<int>();
  r.units_copied_now = c.at("copied_now").get<int>();
  r.units_reverified = c.at("reverified").get<int>();
  r.units_recopied = c.at("recopied").get<int>();
  const auto& s = j.at("seconds");
  r.schema_seconds = s.at("schema").get<double>();
  r.copy_seconds = s.at("copy").get<double>();
  r.objects_seconds = s.at("objects").get<double>();
  r.total_seconds = s.at("total").get<double>();
  r.copy_work_seconds = s.at("copy_work").get<double>();
  r.verify_work_seconds = s.at("verify_work").get<double>();
  for (const auto& t : j.at("tables")) {
    MariadbTableCheck tc;
    tc.source = table_name(t.at("table").get<std::string>());
    tc.target = table_name(t.at("target_table").get<std::string>());
    tc.engine = t.at("engine").get<std::string>();
    tc.split = t.at("split").get<std::string>();
    tc.chunks = t.at("chunks").get<int>();
    tc.source_rows = t.at("source_rows").get<int64_t>();
    tc.target_rows = t.at("target_rows").get<int64_t>();
    tc.source_checksum = t.at("source_checksum").get<std::string>();
    tc.target_checksum = t.at("target_checksum").get<std::string>();
    tc.source_bytes = t.at("source_bytes").get<int64_t>();
    tc.missing = t.at("missing").get<bool>();
    for (const auto& d : t.at("differences")) {
      tc.differences.push_back({d.at("chunk").get<std::string>(), d.at("range").get<std::string>(),
                                d.at("source_rows").get<int64_t>(), d.at("target_rows").get<int64_t>(),
                                d.at("source_sum").get<std::string>(),
                                d.at("target_sum").get<std::string>()});
    }
    r.tables.push_back(tc);
  }
  for (const auto& o : j.at("objects"))
    r.objects.push_back(
        {o.at("kind").get<std::string>(), o.at("name").get<std::string>(), o.at("ok").get<bool>()});
  return r;
}

}  // namespace rehome::migrate
