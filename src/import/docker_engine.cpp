#include "import/docker_engine.hpp"

#include <set>
#include <thread>

#include "common/error.hpp"

namespace rehome::import {

EngineSnapshot read_engine(const engines::DockerClient& client, std::chrono::milliseconds window,
                           const SampleProgress& progress) {
  using namespace std::chrono;
  EngineSnapshot snap;
  snap.version = client.version();
  snap.info = client.get("/info");
  nlohmann::json list = client.get("/containers/json");
  std::set<std::string> volumes, networks;
  std::vector<std::string> ids;
  for (const auto& c : list) {
    if (!c.contains("Id") || !c["Id"].is_string()) continue;
    std::string id = c["Id"].get<std::string>();
    nlohmann::json inspect;
    try {
      inspect = client.get("/containers/" + id + "/json");
    } catch (const UserError&) {
      continue;  // gone between the list and the inspect
    }
    if (inspect.contains("Mounts") && inspect["Mounts"].is_array())
      for (const auto& m : inspect["Mounts"])
        if (m.value("Type", "") == "volume" && !m.value("Name", "").empty())
          volumes.insert(m.value("Name", ""));
    const auto* nets = inspect.contains("NetworkSettings") ? &inspect["NetworkSettings"] : nullptr;
    if (nets && nets->contains("Networks") && (*nets)["Networks"].is_object())
      for (auto it = (*nets)["Networks"].begin(); it != (*nets)["Networks"].end(); ++it)
        networks.insert(it.key());
    snap.containers.push_back(std::move(inspect));
    ids.push_back(id);
  }
  for (const auto& v : volumes) {
    try {
      snap.volumes[v] = client.get("/volumes/" + v);
    } catch (const UserError&) {
    }
  }
  for (const auto& n : networks) {
    if (n == "bridge" || n == "host" || n == "none") continue;
    try {
      snap.networks[n] = client.get("/networks/" + n);
    } catch (const UserError&) {
    }
  }

  // One round a second; one-shot stats answer at once (no second internal sample per container).
  const milliseconds every{1000};
  int rounds = std::max<int>(2, static_cast<int>(window / every) + 1);
  auto start = steady_clock::now();
  for (int round = 0; round < rounds && !ids.empty(); ++round) {
    std::this_thread::sleep_until(start + every * round);
    for (const auto& id : ids) {
      try {
        snap.stats[id].push_back(client.get("/containers/" + id + "/stats?stream=false&one-shot=true"));
      } catch (const UserError&) {
        // stopped while sampled: keep what we have
      }
    }
    if (progress) progress(round + 1, rounds);
  }
  return snap;
}

}  // namespace rehome::import
