#include "migrate/volume/volume_endpoint.hpp"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/error.hpp"

namespace rehome::migrate::volume {

using nlohmann::json;

EngineSocket open_engine(const std::string& engine, const std::string& flag) {
  EngineSocket out;
  if (engine.rfind("unix://", 0) == 0 && engine.size() > 7) {
    out.path = engine.substr(7);
  } else if (!engine.empty() && engine[0] == '/') {
    out.path = engine;
  } else if (engine.rfind("ssh://", 0) == 0) {
    out.tunnel = std::make_unique<engines::SshTunnel>(engines::parse_ssh_engine(engine, flag));
    out.path = out.tunnel->socket_path();
  } else {
    throw UserError(flag + " " + engines::masked_url(engine) + ": not a unix:// or ssh:// engine address",
                    "pass " + flag + " unix:///var/run/docker.sock (the engine's socket) or ssh://user@host");
  }
  return out;
}

json source_volume(const engines::DockerApi& api, const Endpoint& from) {
  if (from.volume.empty()) return json::object();
  auto answer = api.call("GET", "/volumes/" + from.volume);
  if (answer.status == 404)
    throw UserError("no volume " + from.volume + " on the source engine " + from.engine,
                    "list the engine's volumes with: docker -H " + from.engine + " volume ls");
  json v = api.call_json("GET", "/volumes/" + from.volume);
  return v.contains("Labels") && v["Labels"].is_object() ? v["Labels"] : json::object();
}

void ensure_target_volume(const engines::DockerApi& api, const Endpoint& to, const json& labels) {
  if (to.volume.empty()) return;
  if (api.call("GET", "/volumes/" + to.volume).status == 200) return;
  api.call_json("POST", "/volumes/create", json{{"Name", to.volume}, {"Labels", labels}});
}

std::vector<std::string> running_users(const engines::DockerApi& api, const Endpoint& endpoint) {
  std::vector<std::string> names;
  json list = api.call_json("GET", "/containers/json");
  for (const auto& c : list) {
    if (c.contains("Labels") && c["Labels"].is_object() && c["Labels"].contains("rehome.volume-helper"))
      continue;
    bool uses = false;
    for (const auto& m : c.value("Mounts", json::array())) {
      if (!endpoint.volume.empty() && m.value("Type", "") == "volume" &&
          m.value("Name", "") == endpoint.volume)
        uses = true;
      if (!endpoint.path.empty() && m.value("Type", "") == "bind" && m.value("Source", "") == endpoint.path)
        uses = true;
    }
    if (!uses) continue;
    std::string name =
        c.value("Names", json::array()).empty() ? c.value("Id", "") : c["Names"][0].get<std::string>();
    if (!name.empty() && name[0] == '/') name.erase(0, 1);
    names.push_back(name);
  }
  return names;
}

std::string keeper_name(const Endpoint& to) {
  std::string label = to.label();
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(label.data(), label.size())));
  return "rehome-keep-" + std::string(hash, 12);
}

std::string keeper_run_id(const engines::DockerApi& api, const Endpoint& to) {
  auto answer = api.call("GET", "/containers/" + keeper_name(to) + "/json");
  if (answer.status != 200) return {};
  json c = json::parse(answer.body, nullptr, false);
  if (!c.is_object() || !c.contains("Config") || !c["Config"].contains("Labels")) return {};
  const json& labels = c["Config"]["Labels"];
  if (!labels.is_object() || labels.value("rehome.volume-target", "") != to.label()) return {};
  return labels.value("rehome.volume-run", "");
}

void make_keeper(const engines::DockerApi& api, const std::string& image, const Endpoint& to,
                 const std::string& run_id) {
  json body = {{"Image", image},
               {"Cmd", {"/rehome-volume-helper", "keep", "/v"}},
               {"NetworkDisabled", true},
               {"Labels", {{"rehome.volume-run", run_id}, {"rehome.volume-target", to.label()}}},
               {"HostConfig", {{"Binds", {mount_of(to, false).bind()}}, {"NetworkMode", "none"}}}};
  // The name may still be taken by the keeper of a run killed while it was making it: the engine goes
  // on with a request whose client died, so that keeper can appear after the DELETE (seen in the kill
  // campaign: HTTP 409 "name already in use", 0.07 s into a killed first pass). Removed and made
  // again, a few times.
  const std::string create = "/containers/create?name=" + keeper_name(to);
  for (int attempt = 1;; ++attempt) {
    api.call("DELETE", "/containers/" + keeper_name(to) + "?force=1");
    engines::ApiAnswer made = api.call("POST", create, body.dump());
    if (made.status != 409 || attempt == 5) {
      api.checked("POST", create, made);  // throws on any other failure, naming the engine's message
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
}

Mount mount_of(const Endpoint& endpoint, bool read_only) {
  return Mount{endpoint.volume, endpoint.path, read_only};
}

}  // namespace rehome::migrate::volume
