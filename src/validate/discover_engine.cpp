// Discovery's mechanism: the Engine API of a Swarm manager, the evidence folder, then the probes.
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "engines/docker_client.hpp"
#include "validate/discover.hpp"
#include "validate/suite.hpp"

namespace rehome::validate {

Deployment read_deployment(const std::string& engine) {
  engines::DockerClient client(engines::socket_path_from_host(engine, std::getenv("DOCKER_HOST")));
  nlohmann::json info = client.get("/info");
  const auto& swarm = info.contains("Swarm") ? info["Swarm"] : nlohmann::json::object();
  if (swarm.value("LocalNodeState", "") != "active" || !swarm.value("ControlAvailable", false))
    throw UserError(fmt::format("validate: the engine at {} is not a Swarm manager", client.socket_path()),
                    "pass --engine with the socket of a manager of the cluster rehome deployed");
  Deployment d = parse_deployment(info, client.get("/nodes"), client.get("/services"), client.get("/tasks"),
                                  client.get("/containers/json"));
  d.engine = client.socket_path();
  return d;
}

std::vector<MovedDatabase> read_moved_databases(const std::filesystem::path& dir) {
  std::vector<MovedDatabase> out;
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::string name = p.stem().string();
    auto j = nlohmann::json::parse(read_file(p), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    std::string kind = j.value("kind", "");
    if (name.rfind("migrate-", 0) != 0 && kind.find("migrat") == std::string::npos) continue;
    if (name.rfind("migrate-", 0) == 0) name = name.substr(8);
    if (auto db = moved_database(name, j)) {
      db->file = p.string();
      out.push_back(*db);
    }
  }
  return out;
}

Suite validate_deployment(const DiscoveryOptions& o) {
  Deployment d = read_deployment(o.engine);
  auto databases = read_moved_databases(o.evidence);
  Targets targets =
      discovered_targets(d, o.stacks, databases, o.address.empty() ? d.node_address : o.address);
  targets.timeout_ms = o.timeout_ms;
  Suite suite = run_suite(nullptr, targets, o.credentials, o.progress, o.only);
  auto wanted = [&](Area a) { return o.only.empty() || o.only.count(a) > 0; };
  auto add = [&](ProbeResult r) {
    if (!wanted(r.area)) return;
    r.reason = mask_secrets(r.reason);
    if (o.progress) o.progress(r);
    suite.results.push_back(std::move(r));
  };
  for (auto& r : state_probes(d, o.stacks, o.estate)) add(r);
  for (const auto& db : databases)
    if (db.engine != "postgres" && db.engine != "redis")
      add({Area::databases, db.name, Outcome::skipped,
           fmt::format("{}: no built-in probe for {}; check it by hand ({})", db.file, db.engine,
                       mask_url(db.url)),
           std::nullopt});
  std::stable_sort(suite.results.begin(), suite.results.end(),
                   [](const ProbeResult& a, const ProbeResult& b) { return a.area < b.area; });
  return suite;
}

}  // namespace rehome::validate
