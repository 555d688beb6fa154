// The Redis migration's evidence: RedisMigrationReport <-> JSON (kind rehome.migration.redis).
#include "common/evidence.hpp"
#include "migrate/redis/migration.hpp"

namespace rehome::migrate {

using nlohmann::json;

json to_json(const RedisMigrationReport& r) {
  json dbs = json::array();
  for (const auto& d : r.databases) {
    dbs.push_back({{"db", d.db},
                   {"source_keys", d.source_keys},
                   {"target_keys", d.target_keys},
                   {"digest_mismatches", d.digest_mismatches},
                   {"sample_keys", d.sample_keys},
                   {"ok", d.ok()}});
  }
  json j = {{"source", r.source},
            {"target", r.target},
            {"state_file", r.state_file.string()},
            {"verified", r.verified()},
            {"resumed", r.resumed},
            {"method", r.method},
            {"keys_copied", r.keys_copied},
            {"keys_by_value", r.keys_by_value},
            {"batches_rechecked", r.batches_rechecked},
            {"seconds", r.seconds},
            {"copy_seconds", r.copy_seconds},
            {"verify_seconds", r.verify_seconds},
            {"keys_per_second", r.keys_per_second()},
            {"problems", r.problems()},
            {"databases", dbs}};
  j["already_complete"] = r.already_complete;
  j["run_id"] = r.run_id;
  j["stale_state"] = r.stale_state;
  j["completed_at"] = r.completed_at;
  j["original_keys"] = r.original_keys;
  evidence::stamp(j, kRedisMigrationKind, kRedisMigrationFormat);
  return j;
}

RedisMigrationReport redis_migration_from_json(const json& j) {
  evidence::require(j, kRedisMigrationKind, kRedisMigrationFormat);
  RedisMigrationReport r;
  r.source = j.at("source").get<std::string>();
  r.target = j.at("target").get<std::string>();
  r.state_file = j.at("state_file").get<std::string>();
  r.resumed = j.at("resumed").get<bool>();
  // Evidence from before the run record (issue 22) has none of these.
  r.already_complete = j.value("already_complete", false);
  r.run_id = j.value("run_id", "");
  r.stale_state = j.value("stale_state", "");
  r.completed_at = j.value("completed_at", "");
  r.original_keys = j.value("original_keys", int64_t{0});
  r.method = j.at("method").get<std::string>();
  r.keys_copied = j.at("keys_copied").get<int64_t>();
  r.keys_by_value = j.at("keys_by_value").get<int64_t>();
  r.batches_rechecked = j.at("batches_rechecked").get<int64_t>();
  r.seconds = j.at("seconds").get<double>();
  r.copy_seconds = j.at("copy_seconds").get<double>();
  r.verify_seconds = j.at("verify_seconds").get<double>();
  for (const auto& d : j.at("databases")) {
    RedisDbCheck c;
    c.db = d.at("db").get<int>();
    c.source_keys = d.at("source_keys").get<int64_t>();
    c.target_keys = d.at("target_keys").get<int64_t>();
    c.digest_mismatches = d.at("digest_mismatches").get<int64_t>();
    c.sample_keys = d.at("sample_keys").get<std::vector<std::string>>();
    r.databases.push_back(c);
  }
  return r;
}

}  // namespace rehome::migrate
