#include "import/docker_map.hpp"

#include <cmath>
#include <set>

#include "import/categories.hpp"

namespace rehome::import {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::int64_t num(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_float() ? static_cast<std::int64_t>(it->get<double>()) : it->get<std::int64_t>();
}

const json& sub(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::map<std::string, std::string> labels_of(const json& container) {
  std::map<std::string, std::string> out;
  const json& labels = sub(sub(container, "Config"), "Labels");
  if (labels.is_object())
    for (auto it = labels.begin(); it != labels.end(); ++it)
      if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
}

std::map<std::string, std::string> env_of(const json& container) {
  std::map<std::string, std::string> out;
  const json& env = sub(sub(container, "Config"), "Env");
  if (env.is_array())
    for (const auto& e : env)
      if (e.is_string()) {
        std::string s = e.get<std::string>();
        size_t eq = s.find('=');
        out[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
      }
  return out;
}

std::string container_name(const json& c) {
  std::string n = str(c, "Name");
  return !n.empty() && n[0] == '/' ? n.substr(1) : n;
}

// Project and service of a container, by the labels Compose and Swarm put on it.
std::pair<std::string, std::string> group_of(const json& c) {
  auto labels = labels_of(c);
  std::string project = labels["com.docker.compose.project"];
  std::string service = labels["com.docker.compose.service"];
  if (service.empty() && !labels["com.docker.swarm.service.name"].empty()) {
    project = labels["com.docker.stack.namespace"];
    service = labels["com.docker.swarm.service.name"];
    if (!project.empty() && service.rfind(project + "_", 0) == 0)
      service = service.substr(project.size() + 1);
  }
  if (service.empty()) service = container_name(c);
  return {project, service};
}

std::string restart_of(const json& c) {
  std::string name = str(sub(sub(c, "HostConfig"), "RestartPolicy"), "Name");
  if (name == "always" || name == "unless-stopped") return "any";
  if (name == "on-failure") return "on-failure";
  return "none";
}

bool shared_volume(const json& volume) {
  std::string driver = str(volume, "Driver");
  std::string type = str(sub(volume, "Options"), "type");
  for (const std::string& s : {driver, type})
    for (const char* fs : {"nfs", "cifs", "smb", "ceph", "gluster", "efs"})
      if (s.find(fs) != std::string::npos) return true;
  return false;
}

struct Group {
  std::string project, service;
  std::vector<const json*> containers;
};

class EngineMapper {
 public:
  EngineMapper(const EngineSnapshot& snap, const MeasureOptions& options) : snap_(snap), options_(options) {}

  ImportResult run() {
    result_.estate.name = str(snap_.info, "Name").empty() ? "docker" : str(snap_.info, "Name");
    add_server();
    std::vector<Group> groups;
    for (const auto& c : snap_.containers) {
      const auto key = group_of(c);  // not a structured binding: clang 14 cannot capture those
      const std::string& project = key.first;
      const std::string& service = key.second;
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const Group& g) { return g.project == project && g.service == service; });
      if (it == groups.end())
        groups.push_back({project, service, {&c}});
      else
        it->containers.push_back(&c);
    }
    std::map<std::string, int> uses;
    for (const auto& g : groups) ++uses[g.service];
    for (const auto& g : groups) {
      std::string name = g.service;
      if (uses[g.service] > 1 && !g.project.empty()) {
        name = g.project + "-" + g.service;
        result_.duplicates.push_back({"container /" + container_name(*g.containers.front()), g.service,
                                      "a service of that name runs in several projects: renamed to " + name});
      }
      result_.estate.services.push_back(map_group(g, name));
    }
    add_networks();
    return std::move(result_);
  }

 private:
  void add_server() {
    model::Server server;
    server.name = str(snap_.info, "Name").empty() ? "docker-host" : str(snap_.info, "Name");
    server.memory = num(snap_.info, "MemTotal");
    server.cpu_threads = static_cast<int>(num(snap_.info, "NCPU"));
    server.role = model::SwarmRole::manager;
    server.hints.note = "placeholder from the engine's /info: the host the containers run on now";
    server.where = {"docker /info", 0, 0};
    result_.estate.servers.push_back(server);
  }

  std::string at(const json& c) const { return "container /" + container_name(c); }

  model::Service map_group(const Group& g, const std::string& name) {
    const json& c = *g.containers.front();
    const json& config = sub(c, "Config");
    const json& host = sub(c, "HostConfig");
    model::Service s;
    s.name = name;
    s.stack = g.project.empty() ? "default" : g.project;
    s.image = str(config, "Image");
    s.replicas = static_cast<int>(g.containers.size());
    s.where = {at(c), 0, 0};
    auto guess = guess_from_image(s.image, g.service);
    s.category = guess.category;
    s.category_guessed = true;
    auto labels = labels_of(c);
    if (auto it = labels.find("rehome.category"); it != labels.end() && !apply_category_label(it->second, s))
      result_.unmapped.push_back(
          {at(c), name, "label rehome.category=" + it->second + " is not a category; ignored"});
    if (!guess.engine.empty()) {
      s.data = model::DataSpec{.engine = guess.engine};
      std::string db = database_from_env(guess.engine, env_of(c));
      if (!db.empty()) s.data->databases.push_back(db);
    }
    s.restart = restart_of(c);
    s.read_only_root = sub(host, "ReadonlyRootfs").is_boolean() && sub(host, "ReadonlyRootfs").get<bool>();
    if (const json& caps = sub(host, "CapAdd"); caps.is_array())
      for (const auto& cap : caps)
        if (cap.is_string()) s.cap_add.push_back(cap.get<std::string>());
    map_limits(g, s);
    map_mounts(c, s);
    map_ports(c, s);
    map_networks(c, s);
    map_health(config, s);
    flag_unmapped(c, s);
    settle_state(s);
    return s;
  }

  void map_limits(const Group& g, model::Service& s) {
    const json& host = sub(*g.containers.front(), "HostConfig");
    auto& r = s.resources;
    r.memory_limit = num(host, "Memory");
    std::int64_t declared_reservation = num(host, "MemoryReservation");
    std::int64_t nano = num(host, "NanoCpus");
    std::int64_t quota = num(host, "CpuQuota"), period = num(host, "CpuPeriod");
    if (nano > 0)
      r.cpu_limit = nano / 1'000'000;
    else if (quota > 0)
      r.cpu_limit = quota * 1000 / (period > 0 ? period : 100000);

    Measurement peak;
    for (const json* c : g.containers) {
      auto it = snap_.stats.find(str(*c, "Id"));
      if (it == snap_.stats.end()) continue;
      Measurement m = measure(it->second);
      peak.memory_peak = std::max(peak.memory_peak, m.memory_peak);
      peak.cpu_peak = std::max(peak.cpu_peak, m.cpu_peak);
      peak.samples += m.samples;
    }
    if (r.memory_limit == 0)
      for (const json* c : g.containers)
        result_.notes.push_back({at(*c), s.name, "no memory limit: it can take the whole server's memory"});

    model::Resources defaults = default_resources(s.category, s.image);
    if (peak.samples > 0) {
      r.measured = true;
      auto mem = static_cast<model::Bytes>(
          std::ceil(static_cast<double>(peak.memory_peak) * options_.memory_margin));
      mem = (mem + model::MiB - 1) / model::MiB * model::MiB;  // whole MiB
      r.memory_reservation = std::max(mem, declared_reservation);
      if (r.memory_limit > 0) r.memory_reservation = std::min(r.memory_reservation, r.memory_limit);
      auto cpu =
          static_cast<model::MilliCpu>(std::ceil(static_cast<double>(peak.cpu_peak) * options_.cpu_margin));
      r.cpu_reservation = std::max(cpu, options_.min_cpu);
      if (r.cpu_limit > 0) r.cpu_reservation = std::min(r.cpu_reservation, r.cpu_limit);
    } else if (declared_reservation > 0 || r.memory_limit > 0) {
      r.memory_reservation = declared_reservation > 0 ? declared_reservation : r.memory_limit;
      r.cpu_reservation =
          r.cpu_limit > 0 ? std::min(r.cpu_limit, defaults.cpu_reservation) : defaults.cpu_reservation;
    } else {
      r.memory_reservation = defaults.memory_reservation;
      r.cpu_reservation = defaults.cpu_reservation;
      r.estimated = true;
      result_.notes.push_back({at(*g.containers.front()), s.name,
                               "no limit and no measurement: reserving the " + model::to_string(s.category) +
                                   " default of " + model::format_bytes(r.memory_reservation) +
                                   " (estimate)"});
    }
  }

  void map_mounts(const json& c, model::Service& s) {
    const json& mounts = sub(c, "Mounts");
    if (!mounts.is_array()) return;
    for (const auto& m : mounts) {
      std::string type = str(m, "Type");
      model::Volume v;
      v.target = str(m, "Destination");
      v.read_only = sub(m, "RW").is_boolean() && !sub(m, "RW").get<bool>();
      if (type == "volume") {
        v.name = str(m, "Name");
        auto it = snap_.volumes.find(v.name);
        v.shared = it != snap_.volumes.end() && shared_volume(it->second);
        if (v.shared == false && str(m, "Driver") != "local" && !str(m, "Driver").empty())
          v.shared = shared_volume(json{{"Driver", str(m, "Driver")}});
      } else if (type == "bind") {
        v.name = str(m, "Source");
        v.bind = true;
        if (v.name.find("docker.sock") != std::string::npos)
          result_.notes.push_back(
              {at(c), s.name, "mounts the Docker socket: on Swarm it must run on a manager"});
      } else {
        continue;  // tmpfs, npipe: nothing to move
      }
      s.volumes.push_back(v);
    }
  }

  void map_ports(const json& c, model::Service& s) {
    const json& bindings = sub(sub(c, "HostConfig"), "PortBindings");
    if (!bindings.is_object()) return;
    for (auto it = bindings.begin(); it != bindings.end(); ++it) {
      const std::string& key = it.key();  // "80/tcp"
      model::Port p;
      size_t slash = key.find('/');
      try {
        p.target = std::stoi(key.substr(0, slash));
      } catch (const std::exception&) {
        continue;
      }
      if (slash != std::string::npos) p.protocol = key.substr(slash + 1);
      if (!it->is_array() || it->empty()) {
        s.ports.push_back(p);
        continue;
      }
      for (const auto& b : *it) {
        model::Port bound = p;
        try {
          bound.published = str(b, "HostPort").empty() ? 0 : std::stoi(str(b, "HostPort"));
        } catch (const std::exception&) {
          bound.published = 0;
        }
        std::string ip = str(b, "HostIp");
        if (!ip.empty() && ip != "0.0.0.0" && ip != "::" && bound.published > 0) {
          bound.host_ip = ip;  // stays private: never on the routing mesh nor in UFW
          result_.notes.push_back(
              {at(c), s.name,
               "port " + key + " published only on " + ip + ": kept private (the stacks do not publish it)"});
        }
        if (std::none_of(s.ports.begin(), s.ports.end(), [&](const model::Port& q) {
              return q.target == bound.target && q.published == bound.published &&
                     q.protocol == bound.protocol && q.host_ip == bound.host_ip;
            }))
          s.ports.push_back(bound);
      }
    }
  }

  void map_networks(const json& c, model::Service& s) {
    const json& nets = sub(sub(c, "NetworkSettings"), "Networks");
    if (!nets.is_object()) return;
    for (auto it = nets.begin(); it != nets.end(); ++it) {
      const std::string& name = it.key();
      if (name == "bridge" || name == "host" || name == "none") continue;
      if (std::find(s.networks.begin(), s.networks.end(), name) == s.networks.end())
        s.networks.push_back(name);
      used_networks_.insert(name);
    }
  }

  void map_health(const json& config, model::Service& s) {
    const json& hc = sub(config, "Healthcheck");
    const json& test = sub(hc, "Test");
    if (!test.is_array() || test.empty()) return;
    model::HealthCheck check;
    for (const auto& t : test)
      if (t.is_string()) check.test.push_back(t.get<std::string>());
    if (check.test.empty() || check.test[0] == "NONE") return;
    // The API gives nanoseconds; 0 means the engine default.
    if (auto ns = num(hc, "Interval")) check.interval = ns / 1'000'000;
    if (auto ns = num(hc, "Timeout")) check.timeout = ns / 1'000'000;
    if (auto ns = num(hc, "StartPeriod")) check.start_period = ns / 1'000'000;
    if (sub(hc, "Retries").is_number()) check.retries = static_cast<int>(num(hc, "Retries"));
    s.healthcheck = check;
  }

  void flag_unmapped(const json& c, model::Service& s) {
    const json& host = sub(c, "HostConfig");
    if (sub(host, "Privileged").is_boolean() && sub(host, "Privileged").get<bool>())
      result_.unmapped.push_back({at(c), s.name, "privileged: Swarm services cannot run privileged"});
    std::string mode = str(host, "NetworkMode");
    if (mode == "host" || mode.rfind("container:", 0) == 0)
      result_.unmapped.push_back(
          {at(c), s.name, "network mode " + mode + ": Swarm services join overlay networks"});
    if (sub(host, "Devices").is_array() && !sub(host, "Devices").empty())
      result_.unmapped.push_back(
          {at(c), s.name, "host devices: the service is tied to the server that has them"});
    if (str(host, "PidMode") == "host")
      result_.unmapped.push_back(
          {at(c), s.name, "shares the host's PID namespace: not available to Swarm services"});
  }

  void add_networks() {
    for (const auto& name : used_networks_) {
      model::Network n;
      n.name = name;
      n.where = {"docker network " + name, 0, 0};
      if (auto it = snap_.networks.find(name); it != snap_.networks.end()) {
        n.internal = sub(it->second, "Internal").is_boolean() && sub(it->second, "Internal").get<bool>();
        n.encrypted =
            sub(it->second, "Options").is_object() && sub(it->second, "Options").contains("encrypted");
      }
      result_.estate.networks.push_back(n);
    }
  }

  const EngineSnapshot& snap_;
  const MeasureOptions& options_;
  ImportResult result_;
  std::set<std::string> used_networks_;
};

}  // namespace

std::optional<model::Bytes> memory_in_use(const json& stats) {
  const json& mem = sub(stats, "memory_stats");
  if (!sub(mem, "usage").is_number()) return std::nullopt;
  std::int64_t usage = num(mem, "usage");
  const json& detail = sub(mem, "stats");
  std::int64_t cache = 0;
  // cgroup v2 first, then v1's names, as the docker CLI does.
  if (sub(detail, "inactive_file").is_number())
    cache = num(detail, "inactive_file");
  else if (sub(detail, "total_inactive_file").is_number())
    cache = num(detail, "total_inactive_file");
  else if (sub(detail, "cache").is_number())
    cache = num(detail, "cache");
  return cache < usage ? usage - cache : usage;
}

std::optional<model::MilliCpu> cpu_between(const json& earlier, const json& later) {
  const json& a = sub(earlier, "cpu_stats");
  const json& b = sub(later, "cpu_stats");
  std::int64_t cpu_delta = num(sub(b, "cpu_usage"), "total_usage") - num(sub(a, "cpu_usage"), "total_usage");
  std::int64_t system_delta = num(b, "system_cpu_usage") - num(a, "system_cpu_usage");
  // A one-shot sample has an empty precpu_stats: a delta from zero would be a lifetime average.
  if (num(a, "system_cpu_usage") == 0 || system_delta <= 0 || cpu_delta < 0) return std::nullopt;
  std::int64_t online = num(b, "online_cpus");
  if (online == 0 && sub(sub(b, "cpu_usage"), "percpu_usage").is_array())
    online = static_cast<std::int64_t>(sub(sub(b, "cpu_usage"), "percpu_usage").size());
  if (online == 0) online = 1;
  double share = static_cast<double>(cpu_delta) / static_cast<double>(system_delta);
  return static_cast<model::MilliCpu>(std::llround(share * static_cast<double>(online) * 1000.0));
}

Measurement measure(const std::vector<json>& samples) {
  Measurement m;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (auto mem = memory_in_use(samples[i])) {
      m.memory_peak = std::max(m.memory_peak, *mem);
      ++m.samples;
    }
    // Within one sample (stream=false fills precpu_stats) and between consecutive samples.
    if (auto cpu = cpu_between(json{{"cpu_stats", sub(samples[i], "precpu_stats")}}, samples[i]))
      m.cpu_peak = std::max(m.cpu_peak, *cpu);
    if (i > 0)
      if (auto cpu = cpu_between(samples[i - 1], samples[i])) m.cpu_peak = std::max(m.cpu_peak, *cpu);
  }
  return m;
}

ImportResult map_engine(const EngineSnapshot& snapshot, const MeasureOptions& options) {
  return EngineMapper(snapshot, options).run();
}

}  // namespace rehome::import
