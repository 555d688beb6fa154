#include "model/validate.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "model/did_you_mean.hpp"

namespace rehome::model {
namespace {

constexpr Bytes kAbsurdServiceMemory = 1024 * GiB;  // no container of a small team needs a terabyte
constexpr Bytes kAbsurdServerMemory = 64 * 1024 * GiB;
constexpr int kSensibleReplicasFloor = 1000;

// Swarm names: a letter or digit first, then letters, digits, '-', '_' or '.'.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

class Validator {
 public:
  Validator(const Estate& e, const FieldLocations& locs) : e_(e), locs_(locs) {
    for (const auto& s : e.servers) server_names_.push_back(s.name);
    for (const auto& s : e.services) service_names_.push_back(s.name);
    for (const auto& n : e.networks) network_names_.push_back(n.name);
    for (const auto& s : e.servers) max_threads_ = std::max(max_threads_, s.cpu_threads);
  }

  std::vector<Problem> run() {
    check_servers();
    check_networks();
    check_unique(e_.services, "services", "service");
    for (const auto& s : e_.services) check_service(s);
    check_cycles();
    check_ports();
    check_backup();
    return std::move(problems_);
  }

 private:
  void add(const std::string& path, std::string message, std::string hint = {}) {
    problems_.push_back(Problem{locs_.find(path), path, std::move(message), std::move(hint)});
  }

  template <typename T>
  void check_unique(const std::vector<T>& items, const std::string& section, const char* what) {
    std::set<std::string> seen;
    for (const auto& item : items) {
      std::string path = section + "." + item.name;
      if (!seen.insert(item.name).second)
        add(path, fmt::format("two {}s are named `{}`", what, item.name), "rename or remove one of them");
      if (!valid_name(item.name))
        add(path, fmt::format("`{}` is not a valid {} name", item.name, what),
            "use letters, digits, '-', '_' or '.', starting with a letter or digit (at most 63)");
    }
  }

  // A reference to a name that does not exist, with the closest existing name as a suggestion.
  void check_reference(const std::string& path, const std::string& name,
                       const std::vector<std::string>& known, const char* what) {
    if (std::find(known.begin(), known.end(), name) != known.end()) return;
    std::string guess = did_you_mean(name, known);
    add(path, fmt::format("refers to {} `{}`, which the estate does not define", what, name),
        guess.empty() ? fmt::format("define the {} or fix the name", what) : "did you mean `" + guess + "`?");
  }

  void check_references(const std::string& path, const std::vector<std::string>& names,
                        const std::vector<std::string>& known, const char* what) {
    for (size_t i = 0; i < names.size(); ++i)
      check_reference(fmt::format("{}[{}]", path, i), names[i], known, what);
  }

  void check_servers() {
    if (e_.servers.empty()) add("servers", "the estate has no servers", "list the servers under `servers:`");
    check_unique(e_.servers, "servers", "server");
    for (const auto& s : e_.servers) {
      std::string path = "servers." + s.name;
      if (s.memory <= 0)
        add(path + ".memory", "the server has no memory", "write its RAM, e.g. `memory: 16G`");
      else if (s.memory > kAbsurdServerMemory)
        add(path + ".memory", format_bytes(s.memory) + " is not a plausible amount of RAM",
            "check the unit (G, not T?)");
      if (s.cpu_threads <= 0)
        add(path + ".cpu", "the server has no CPU threads", "write its thread count, e.g. `cpu: 8`");
    }
    bool any_manager = std::any_of(e_.servers.begin(), e_.servers.end(),
                                   [](const Server& s) { return s.role == SwarmRole::manager; });
    if (!e_.servers.empty() && !any_manager)
      add("servers", "no server has `role: manager`",
          "a Swarm needs managers: mark one or three servers as manager");
  }

  void check_networks() { check_unique(e_.networks, "networks", "network"); }

  void check_service(const Service& s) {
    std::string path = "services." + s.name;
    const Resources& r = s.resources;
    if (r.memory_reservation <= 0)
      add(path + ".memory", "the memory reservation must be above zero",
          "write what it needs, e.g. `memory: 512M`");
    else if (r.memory_reservation > kAbsurdServiceMemory)
      add(path + ".memory",
          "a reservation of " + format_bytes(r.memory_reservation) + " is absurd for one container",
          "check the unit: 4G, not 4T");
    if (r.memory_limit > 0 && r.memory_limit < r.memory_reservation)
      add(path + ".limit",
          fmt::format("the limit ({}) is below the reservation ({})", format_bytes(r.memory_limit),
                      format_bytes(r.memory_reservation)),
          "raise `limit:` or lower `memory:`");
    if (r.cpu_limit > 0 && r.cpu_limit < r.cpu_reservation)
      add(path + ".cpu_limit",
          fmt::format("the CPU limit ({}) is below the reservation ({})", format_cpu(r.cpu_limit),
                      format_cpu(r.cpu_reservation)),
          "raise `cpu_limit:` or lower `cpu:`");
    if (max_threads_ > 0 && r.cpu_reservation > static_cast<MilliCpu>(max_threads_) * 1000)
      add(path + ".cpu",
          fmt::format("reserves {} CPU threads but the largest server has {}", format_cpu(r.cpu_reservation),
                      max_threads_),
          "lower `cpu:`");
    int sensible = std::max(kSensibleReplicasFloor, 10 * static_cast<int>(e_.servers.size()));
    if (s.replicas > sensible)
      add(path + ".replicas",
          fmt::format("{} replicas is more than is sensible on {} servers", s.replicas, e_.servers.size()),
          fmt::format("use at most {}", sensible));
    check_references(path + ".depends_on", s.depends_on, service_names_, "service");
    check_references(path + ".networks", s.networks, network_names_, "network");
    check_references(path + ".placement.pin", s.placement.pin, server_names_, "server");
    check_references(path + ".placement.affinity", s.placement.affinity, service_names_, "service");
    check_references(path + ".placement.anti_affinity", s.placement.anti_affinity, service_names_, "service");
    if (s.global && !s.placement.pin.empty() && s.placement.pin.size() < e_.servers.size())
      add(path + ".placement.pin", "a global service runs on every server; it cannot also be pinned",
          "drop `global: true` or the pin");
    if (s.data && s.data->replica_of) {
      if (*s.data->replica_of == s.name)
        add(path + ".data.replica_of", "a service cannot be a replica of itself", "name the primary");
      else
        check_reference(path + ".data.replica_of", *s.data->replica_of, service_names_, "service");
    }
    for (size_t i = 0; i < s.volumes.size(); ++i) {
      const Volume& v = s.volumes[i];
      if (!v.target.empty() && v.target[0] != '/')
        add(fmt::format("{}.volumes[{}]", path, i),
            "the path inside the container '" + v.target + "' is not absolute",
            "write it from the root, e.g. /var/lib/postgresql/data");
    }
    if (s.healthcheck) {
      const HealthCheck& h = *s.healthcheck;
      if (h.interval <= 0 || h.timeout <= 0)
        add(path + ".healthcheck", "interval and timeout must be above zero",
            "e.g. `interval: 30s`, `timeout: 5s`");
    }
  }

  // Depth-first search over depends_on; each cycle is named once, from its first service in file order.
  void check_cycles() {
    std::map<std::string, const Service*> by_name;
    for (const auto& s : e_.services) by_name.emplace(s.name, &s);
    std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
    std::vector<std::string> stack;
    std::function<void(const Service&)> visit = [&](const Service& s) {
      state[s.name] = 1;
      stack.push_back(s.name);
      for (size_t i = 0; i < s.depends_on.size(); ++i) {
        auto it = by_name.find(s.depends_on[i]);
        if (it == by_name.end()) continue;
        int st = state[it->first];
        if (st == 1) {
          auto from = std::find(stack.begin(), stack.end(), it->first);
          std::string cycle;
          for (auto p = from; p != stack.end(); ++p) cycle += *p + " -> ";
          cycle += it->first;
          add(fmt::format("services.{}.depends_on[{}]", s.name, i), "dependency cycle: " + cycle,
              "remove one of these depends_on entries; services must start in some order");
        } else if (st == 0) {
          visit(*it->second);
        }
      }
      stack.pop_back();
      state[s.name] = 2;
    };
    for (const auto& s : e_.services)
      if (state[s.name] == 0) visit(s);
  }

  // Ingress ports are published on every server of a Swarm, so two services cannot share one.
  void check_ports() {
    struct Use {
      std::string service;
      size_t index;
      std::string mode;
    };
    std::map<std::pair<int, std::string>, std::vector<Use>> uses;
    for (const auto& s : e_.services)
      for (size_t i = 0; i < s.ports.size(); ++i)
        if (s.ports[i].exposed())  // a port bound to one address is never published on the cluster
          uses[{s.ports[i].published, s.ports[i].protocol}].push_back({s.name, i, s.ports[i].mode});
    for (const auto& [key, list] : uses) {
      for (size_t k = 1; k < list.size(); ++k) {
        const Use& first = list[0];
        const Use& u = list[k];
        if (first.mode == "host" && u.mode == "host")
          continue;  // can work on different servers: planner's call
        add(fmt::format("services.{}.ports[{}]", u.service, u.index),
            fmt::format("port {}/{} is already published by `{}`", key.first, key.second, first.service),
            "publish a different port, or route both through the edge proxy");
      }
    }
  }

  void check_backup() {
    const BackupSettings& b = e_.backup;
    const std::string& t = b.schedule;
    bool hhmm = t.size() == 5 && t[2] == ':' && std::isdigit(static_cast<unsigned char>(t[0])) &&
                std::isdigit(static_cast<unsigned char>(t[1])) &&
                std::isdigit(static_cast<unsigned char>(t[3])) &&
                std::isdigit(static_cast<unsigned char>(t[4])) && std::stoi(t.substr(0, 2)) < 24 &&
                std::stoi(t.substr(3, 2)) < 60;
    if (!hhmm) add("backup.schedule", "'" + t + "' is not a time of day", "write HH:MM, e.g. \"03:00\"");
    const RetentionPolicy& r = b.retention;
    if (r.daily + r.weekly + r.monthly + r.yearly == 0)
      add("backup.retention", "the retention keeps no backup at all", "keep at least `daily: 7`");
    for (size_t i = 0; i < b.targets.size(); ++i) {
      const BackupTarget& target = b.targets[i];
      std::string path = fmt::format("backup.targets[{}]", i);
      if (target.kind != "local" && target.kind != "offsite")
        add(path + ".kind", "unknown kind '" + target.kind + "'", "write local or offsite");
      if (target.medium != "disk" && target.medium != "cloud" && target.medium != "tape" &&
          target.medium != "nas")
        add(path + ".medium", "unknown medium '" + target.medium + "'", "write disk, cloud, tape or nas");
      if (target.location.empty())
        add(path, "the target has no location", "add `location:` (a path or host)");
    }
    std::vector<std::string> volume_names;
    for (const auto& s : e_.services)
      for (const auto& v : s.volumes) volume_names.push_back(v.name);
    check_references("backup.volumes", b.volumes, volume_names, "volume");
  }

  const Estate& e_;
  const FieldLocations& locs_;
  std::vector<std::string> server_names_, service_names_, network_names_;
  int max_threads_ = 0;
  std::vector<Problem> problems_;
};

}  // namespace

std::vector<Problem> validate(const Estate& estate, const FieldLocations& locations) {
  return Validator(estate, locations).run();
}

std::vector<Problem> validate(const Estate& estate) {
  // Built in code or read without field positions: point at the objects' own locations.
  FieldLocations locations;
  locations.set_file(estate.source_file);
  for (const auto& s : estate.servers) locations.add("servers." + s.name, s.where);
  for (const auto& s : estate.services) locations.add("services." + s.name, s.where);
  for (const auto& n : estate.networks) locations.add("networks." + n.name, n.where);
  return validate(estate, locations);
}

}  // namespace rehome::model
