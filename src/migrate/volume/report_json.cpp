// The volume migration's evidence: VolumeMigrationReport <-> JSON (kind rehome.migration.volume).
#include "common/evidence.hpp"
#include "migrate/volume/volume_migration.hpp"

namespace rehome::migrate::volume {
namespace {

using nlohmann::json;

json side_json(const Endpoint& e, const ManifestSummary& s) {
  return {{"engine", e.engine},
          {"volume", e.volume},
          {"path", e.path},
          {"entries", s.entries},
          {"files", s.files},
          {"bytes", s.bytes},
          {"hashed_files", s.hashed_files},
          {"hashed_bytes", s.hashed_bytes}};
}

void side_from_json(const json& j, Endpoint& e, ManifestSummary& s) {
  e.engine = j.at("engine").get<std::string>();
  e.volume = j.at("volume").get<std::string>();
  e.path = j.at("path").get<std::string>();
  s.entries = j.at("entries").get<int64_t>();
  s.files = j.at("files").get<int64_t>();
  s.bytes = j.at("bytes").get<int64_t>();
  s.hashed_files = j.at("hashed_files").get<int64_t>();
  s.hashed_bytes = j.at("hashed_bytes").get<int64_t>();
}

}  // namespace

json to_json(const VolumeMigrationReport& r) {
  json mismatches = json::array();
  for (const auto& m : r.mismatches) mismatches.push_back({{"path", m.path}, {"difference", m.what}});
  json writers = json::array();
  for (const auto& w : r.writers) writers.push_back({{"side", w.side}, {"container", w.container}});
  json j = {{"source", side_json(r.from, r.source)},
            {"target", side_json(r.to, r.target)},
            {"state_file", r.state_file.string()},
            {"run_id", r.run_id},
            {"pass", r.pass},
            {"resumed", r.resumed},
            {"stale_state", r.stale_message},
            {"writers_running", writers},
            {"changed_files", r.sent_files},
            {"changed_bytes", r.sent_bytes},
            {"renamed", r.renamed},
            {"deleted", r.deleted},
            {"other_entries", r.other_entries},
            {"transport", r.transport},
            {"archive_bytes", r.archive_bytes},
            {"verified", r.verified()},
            {"verify_scope", r.verify_scope},
            {"mismatches", mismatches},
            {"seconds",
             {{"scan", r.scan_seconds},
              {"copy", r.copy_seconds},
              {"verify", r.verify_seconds},
              {"total", r.seconds}}}};
  evidence::stamp(j, kVolumeMigrationKind, kVolumeMigrationFormat);
  return j;
}

VolumeMigrationReport volume_migration_from_json(const json& j) {
  evidence::require(j, kVolumeMigrationKind, kVolumeMigrationFormat);
  VolumeMigrationReport r;
  side_from_json(j.at("source"), r.from, r.source);
  side_from_json(j.at("target"), r.to, r.target);
  r.state_file = j.at("state_file").get<std::string>();
  r.run_id = j.at("run_id").get<std::string>();
  r.pass = j.at("pass").get<int>();
  r.resumed = j.at("resumed").get<bool>();
  r.stale_message = j.at("stale_state").get<std::string>();
  for (const auto& w : j.at("writers_running"))
    r.writers.push_back({w.at("side").get<std::string>(), w.at("container").get<std::string>()});
  r.sent_files = j.at("changed_files").get<int64_t>();
  r.sent_bytes = j.at("changed_bytes").get<int64_t>();
  r.renamed = j.at("renamed").get<int64_t>();
  r.deleted = j.at("deleted").get<int64_t>();
  r.other_entries = j.at("other_entries").get<int64_t>();
  r.transport = j.value("transport", "");
  r.archive_bytes = j.value("archive_bytes", int64_t{0});
  r.verify_scope = j.value("verify_scope", "");
  for (const auto& m : j.at("mismatches"))
    r.mismatches.push_back({m.at("path").get<std::string>(), m.at("difference").get<std::string>()});
  const auto& s = j.at("seconds");
  r.scan_seconds = s.at("scan").get<double>();
  r.copy_seconds = s.at("copy").get<double>();
  r.verify_seconds = s.at("verify").get<double>();
  r.seconds = s.at("total").get<double>();
  return r;
}

}  // namespace rehome::migrate::volume
