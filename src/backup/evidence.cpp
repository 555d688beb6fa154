// The backup run's evidence: RunResult / RepoRunResult <-> JSON.
#include "backup/evidence.hpp"

#include "common/evidence.hpp"

namespace rehome::backup {
namespace {

using nlohmann::json;

json artefact_json(const Artefact& a) {
  return {{"name", a.name}, {"kind", a.kind}, {"source", a.source}, {"size", a.size}, {"sha256", a.sha256}};
}

Artefact artefact_from_json(const json& j) {
  Artefact a;
  a.name = j.at("name").get<std::string>();
  a.kind = j.at("kind").get<std::string>();
  a.source = j.at("source").get<std::string>();
  a.size = j.at("size").get<std::int64_t>();
  a.sha256 = j.at("sha256").get<std::string>();
  return a;
}

}  // namespace

json to_json(const RunResult& r) {
  json arts = json::array();
  for (const auto& a : r.manifest.artefacts) arts.push_back(artefact_json(a));
  json j = {{"id", r.manifest.id},
            {"dir", r.dir.string()},
            {"bytes", r.manifest.total_bytes()},
            {"artefacts", arts}};
  if (r.offsite)
    j["offsite"] = {{"backups_copied", r.offsite->backups_copied},
                    {"already_there", r.offsite->backups_already_there},
                    {"files_copied", r.offsite->files_copied},
                    {"bytes_copied", r.offsite->bytes_copied}};
  evidence::stamp(j, kBackupKind, kBackupFormat);
  return j;
}

RunResult backup_run_from_json(const json& j) {
  evidence::require(j, kBackupKind, kBackupFormat);
  RunResult r;
  r.manifest.id = j.at("id").get<std::string>();
  r.dir = j.at("dir").get<std::string>();
  for (const auto& a : j.at("artefacts")) r.manifest.artefacts.push_back(artefact_from_json(a));
  if (j.contains("offsite")) {
    const auto& o = j.at("offsite");
    r.offsite = OffsiteResult{o.at("backups_copied").get<int>(), o.at("already_there").get<int>(),
                              o.at("files_copied").get<int>(), o.at("bytes_copied").get<std::int64_t>()};
  }
  return r;
}

json to_json(const RepoRunResult& r) {
  json stored = json::array();
  for (const auto& s : r.stored) {
    stored.push_back({{"repository", s.repository},
                      {"service", s.service},
                      {"kind", s.kind},
                      {"artefact", artefact_json(s.artefact)},
                      {"snapshot", s.summary.snapshot_id},
                      {"data_added", s.summary.data_added}});
  }
  json j = {{"ok", r.ok()}, {"stored", stored}, {"failures", r.failures}};
  evidence::stamp(j, kResticBackupKind, kBackupFormat);
  return j;
}

RepoRunResult repo_run_from_json(const json& j) {
  evidence::require(j, kResticBackupKind, kBackupFormat);
  RepoRunResult r;
  for (const auto& s : j.at("stored")) {
    StoredSnapshot st;
    st.repository = s.at("repository").get<std::string>();
    st.service = s.at("service").get<std::string>();
    st.kind = s.at("kind").get<std::string>();
    st.artefact = artefact_from_json(s.at("artefact"));
    st.summary.snapshot_id = s.at("snapshot").get<std::string>();
    st.summary.data_added = s.at("data_added").get<std::int64_t>();
    r.stored.push_back(st);
  }
  r.failures = j.at("failures").get<std::vector<std::string>>();
  return r;
}

}  // namespace rehome::backup
