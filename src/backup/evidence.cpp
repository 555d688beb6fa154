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

json to_json(const StoredSnapshot& s) {
  return {{"repository", s.repository},
          {"service", s.service},
          {"kind", s.kind},
          {"artefact", artefact_json(s.artefact)},
          {"snapshot", s.summary.snapshot_id},
          {"data_added", s.summary.data_added}};
}

json to_json(const RepoRunResult& r) {
  json stored = json::array();
  for (const auto& s : r.stored) stored.push_back(to_json(s));
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
