#include "import/compose_service.hpp"

#include <set>

#include "common/error.hpp"
#include "import/categories.hpp"
#include "import/yaml_tree.hpp"

namespace rehome::import {
namespace {

using model::Bytes;
using model::MilliCpu;

// Keys of a compose service that change nothing about where it can run or what it keeps.
const std::set<std::string> kIgnoredKeys{"command",
                                         "entrypoint",
                                         "container_name",
                                         "hostname",
                                         "domainname",
                                         "working_dir",
                                         "user",
                                         "stdin_open",
                                         "tty",
                                         "logging",
                                         "stop_grace_period",
                                         "stop_signal",
                                         "init",
                                         "dns",
                                         "dns_search",
                                         "dns_opt",
                                         "expose",
                                         "tmpfs",
                                         "shm_size",
                                         "cap_drop",
                                         "ulimits",
                                         "configs",
                                         "extra_hosts",
                                         "platform",
                                         "pull_policy",
                                         "mem_swappiness",
                                         "memswap_limit",
                                         "oom_score_adj",
                                         "annotations",
                                         "attach",
                                         "develop",
                                         "post_start",
                                         "pre_stop",
                                         "mac_address",
                                         "log_driver",
                                         "log_opt",
                                         "group_add",
                                         "environment",
                                         "extends",
                                         "image",
                                         "build",
                                         "labels",
                                         "env_file",
                                         "profiles",
                                         "deploy",
                                         "mem_limit",
                                         "mem_reservation",
                                         "cpus",
                                         "scale",
                                         "volumes",
                                         "networks",
                                         "network_mode",
                                         "depends_on",
                                         "healthcheck",
                                         "restart",
                                         "ports",
                                         "secrets",
                                         "cap_add",
                                         "read_only",
                                         "links",
                                         "cpu_count",
                                         "cpu_percent"};

// Keys that matter for the move but that rehome's model has no place for: listed for the closing note.
const std::map<std::string, std::string> kUnmappedKeys{
    {"privileged", "privileged mode: Swarm services cannot run privileged; needs a host-level setup"},
    {"devices", "host devices: the service is tied to the server that has them"},
    {"pid", "shares a PID namespace: not available to Swarm services"},
    {"ipc", "shares an IPC namespace: not available to Swarm services"},
    {"volumes_from", "volumes_from: mount the volumes explicitly instead"},
    {"sysctls", "sysctls: applied per container, check the target servers allow them"},
    {"security_opt", "security_opt: not carried into the estate; re-check on the target"},
    {"gpus", "GPUs: the service is tied to a server with that hardware"},
    {"runtime", "a custom runtime: every target server must have it"},
    {"external_links", "external_links: legacy links to containers outside the project"},
    {"cgroup_parent", "cgroup_parent: not available to Swarm services"},
    {"userns_mode", "userns_mode: not available to Swarm services"},
    {"cpu_shares", "cpu_shares: a relative weight, not a reservation; set deploy.resources instead"},
    {"cpu_quota", "cpu_quota: set deploy.resources.limits.cpus instead"},
    {"cpu_period", "cpu_period: set deploy.resources.limits.cpus instead"},
    {"cpuset", "cpuset: pinned CPUs do not exist on other servers"},
    {"cpu_rt_runtime", "real-time CPU settings are not available to Swarm services"},
    {"cpu_rt_period", "real-time CPU settings are not available to Swarm services"},
    {"device_cgroup_rules", "device cgroup rules: tied to the host's devices"},
    {"isolation", "isolation: Windows-only"},
    {"storage_opt", "storage_opt: depends on the host's storage driver"},
    {"oom_kill_disable", "oom_kill_disable: not carried into the estate"},
    {"blkio_config", "blkio_config: I/O weights are not carried into the estate"},
    {"pids_limit", "pids_limit: not carried into the estate"},
    {"credential_spec", "credential_spec: Windows-only"},
    {"uts", "uts: shares the host's UTS namespace"},
    {"use_api_socket", "use_api_socket: needs the engine's socket on the server"},
    {"models", "models: not carried into the estate"},
    {"provider", "provider services are not containers; nothing to move"},
};

// Context of one service while it is mapped.
struct Mapper {
  const RawService& raw;
  const ProjectContext& project;
  const FileReader& read;
  ImportResult& result;
  model::Service service;

  // file:line of a value; the service's own line when the value came from an anchor defined above
  // it (`<<: *defaults`) or has no position.
  std::string at(const YAML::Node& n) const {
    if (n.IsDefined() && !n.Mark().is_null() && n.Mark().line + 1 < raw.line && raw.line > 0)
      return raw.file + ":" + std::to_string(raw.line);
    std::string w = where(raw.file, n);
    return w == raw.file && raw.line > 0 ? raw.file + ":" + std::to_string(raw.line) : w;
  }
  void unmapped(const YAML::Node& n, const std::string& what) {
    result.unmapped.push_back({at(n), service.name, what});
  }
  void note(const YAML::Node& n, const std::string& what) {
    result.notes.push_back({at(n), service.name, what});
  }
  std::string text(const YAML::Node& n, const std::string& what) const { return scalar(n, raw.file, what); }

  Bytes bytes(const YAML::Node& n, const std::string& what) const {
    std::string v = text(n, what);
    auto b = model::parse_bytes(v);
    if (!b || *b < 0)
      throw UserError(at(n) + ": " + service.name + ": " + what + " \"" + v + "\" is not a size",
                      "write it as 512M, 1.5G or a number of bytes");
    return *b;
  }
  MilliCpu cpu(const YAML::Node& n, const std::string& what) const {
    std::string v = text(n, what);
    auto c = model::parse_cpu(v);
    if (!c || *c < 0)
      throw UserError(at(n) + ": " + service.name + ": " + what + " \"" + v + "\" is not a CPU amount",
                      "write it as 0.5, 2 or 500m");
    return *c;
  }
  int integer(const YAML::Node& n, const std::string& what, int lo, int hi) const {
    std::string v = text(n, what);
    size_t used = 0;
    long value = 0;
    try {
      value = std::stol(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != v.size() || value < lo || value > hi)
      throw UserError(at(n) + ": " + service.name + ": " + what + " \"" + v +
                      "\" is not a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<int>(value);
  }
  model::Millis duration(const YAML::Node& n, const std::string& what) const {
    std::string v = text(n, what);
    auto d = model::parse_duration(v);
    if (!d || *d < 0)
      throw UserError(at(n) + ": " + service.name + ": " + what + " \"" + v + "\" is not a duration",
                      "write it as 30s, 1m30s or 500ms");
    return *d;
  }
  // A list of strings, or a mapping whose keys are the strings (networks, depends_on, secrets).
  std::vector<std::string> names(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    if (!n.IsDefined()) return out;
    if (n.IsSequence()) {
      for (const auto& item : n)
        out.push_back(item.IsMap() && child(item, "source") ? text(child(item, "source"), what)
                                                            : text(item, what));
    } else if (n.IsMap()) {
      for (const auto& kv : n) out.push_back(text(kv.first, what));
    } else if (!n.IsNull()) {
      out.push_back(text(n, what));
    }
    return out;
  }
  // `labels:` / `environment:` as a mapping or a list of "KEY=value".
  std::map<std::string, std::string> key_values(const YAML::Node& n, const std::string& what) const {
    std::map<std::string, std::string> out;
    if (!n.IsDefined()) return out;
    if (n.IsMap()) {
      for (const auto& kv : n) out[text(kv.first, what)] = kv.second.IsNull() ? "" : text(kv.second, what);
    } else if (n.IsSequence()) {
      for (const auto& item : n) {
        std::string s = text(item, what);
        size_t eq = s.find('=');
        out[s.substr(0, eq)] = eq == std::string::npos ? "" : s.substr(eq + 1);
      }
    } else if (!n.IsNull()) {
      throw UserError(at(n) + ": " + service.name + ": " + what +
                      " must be a mapping or a list of KEY=value");
    }
    return out;
  }

  void map_image(const YAML::Node& node) {
    if (child(node, "image")) service.image = text(child(node, "image"), "image");
    if (const auto build = child(node, "build")) {
      // `build: ./dir` or `build: {context: ./dir, dockerfile: ...}`; the folder made absolute so the
      // registry step (generate's images.sh) finds it from anywhere.
      model::BuildSpec spec;
      if (build.IsMap()) {
        spec.context = child(build, "context") ? text(child(build, "context"), "build.context") : ".";
        if (child(build, "dockerfile"))
          spec.dockerfile = text(child(build, "dockerfile"), "build.dockerfile");
      } else {
        spec.context = text(build, "build");
      }
      bool remote = spec.context.find("://") != std::string::npos || spec.context.rfind("git@", 0) == 0;
      if (!remote)
        spec.context = std::filesystem::absolute(raw.dir / spec.context).lexically_normal().string();
      service.build = spec;
    }
    if (service.image.empty() && child(node, "build")) {
      // Compose names a built image <project>-<service>; the target servers need it in a registry.
      service.image = project.name + "-" + raw.name;
      note(child(node, "build"), "built locally as " + service.image +
                                     ": `rehome generate` writes images.sh, which builds it and pushes it to "
                                     "the estate's registry (set `registry:`) before the move");
    }
    if (service.image.empty())
      throw UserError(at(node) + ": service " + raw.name + " has neither image nor build",
                      "add image: <name> (or build:) to the service");
  }

  void map_labels(const YAML::Node& node) {
    auto labels = key_values(child(node, "labels"), "labels");
    if (child(node, "deploy") && child(node, "deploy").IsMap())
      labels.merge(key_values(child(child(node, "deploy"), "labels"), "deploy.labels"));
    auto guess = guess_from_image(service.image, raw.name);
    service.category = guess.category;
    service.category_guessed = true;
    if (!guess.engine.empty()) service.data = model::DataSpec{.engine = guess.engine};
    if (auto it = labels.find("rehome.category"); it != labels.end()) {
      if (!apply_category_label(it->second, service))
        throw UserError(at(child(node, "labels")) + ": " + service.name + ": label rehome.category=\"" +
                            it->second + "\" is not a category",
                        "use database, cache, queue, storage, monitoring, logging, ci, proxy, auth, app, "
                        "frontend, mail, backup, ml or other");
    }
    if (auto it = labels.find("rehome.tier"); it != labels.end()) {
      auto tier = model::tier_from_string(it->second);
      if (!tier)
        throw UserError(at(child(node, "labels")) + ": " + service.name + ": label rehome.tier=\"" +
                            it->second + "\" is not a tier",
                        "use production, staging or dev");
      service.tier = *tier;
    }
  }

  void map_deploy(const YAML::Node& deploy) {
    if (!deploy) return;
    if (!deploy.IsMap()) throw UserError(at(deploy) + ": " + service.name + ": deploy must be a mapping");
    if (const auto& mode = child(deploy, "mode")) {
      std::string m = text(mode, "deploy.mode");
      if (m == "global")
        service.global = true;
      else if (m != "replicated")
        unmapped(mode, "deploy.mode " + m + ": jobs are not part of the estate");
    }
    if (child(deploy, "replicas"))
      service.replicas = integer(child(deploy, "replicas"), "deploy.replicas", 0, 1000);
    if (const auto& placement = child(deploy, "placement"); placement && placement.IsMap()) {
      const YAML::Node constraints = child(placement, "constraints");
      if (constraints.IsDefined() && !constraints.IsSequence() && !constraints.IsNull())
        throw UserError(at(constraints) + ": " + service.name +
                        ": deploy.placement.constraints must be a list");
      if (constraints.IsSequence())
        for (const auto& c : constraints) map_constraint(c);
      if (child(placement, "max_replicas_per_node"))
        service.placement.max_replicas_per_node = integer(child(placement, "max_replicas_per_node"),
                                                          "deploy.placement.max_replicas_per_node", 0, 1000);
      if (child(placement, "preferences"))
        unmapped(child(placement, "preferences"),
                 "placement preferences: the planner spreads by its own rules");
    }
    if (const auto& policy = child(deploy, "restart_policy");
        policy && policy.IsMap() && child(policy, "condition"))
      service.restart = restart_of(child(policy, "condition"));
  }

  void map_constraint(const YAML::Node& c) {
    std::string s = text(c, "deploy.placement.constraints");
    size_t op = s.find("==");
    auto trim = [](std::string v) {
      size_t b = v.find_first_not_of(' '), e = v.find_last_not_of(' ');
      return b == std::string::npos ? std::string{} : v.substr(b, e - b + 1);
    };
    if (op != std::string::npos) {
      std::string key = trim(s.substr(0, op)), value = trim(s.substr(op + 2));
      if (key == "node.hostname") return service.placement.pin.push_back(value);
      if (key.rfind("node.labels.", 0) == 0) {
        service.placement.labels[key.substr(12)] = value;
        return;
      }
      if (key == "node.role" && value == "manager") {
        service.placement.labels["role"] = "manager";
        return unmapped(c, "node.role == manager kept as the node label role=manager");
      }
    }
    unmapped(c, "placement constraint \"" + s + "\" not understood; re-add it after planning");
  }

  std::string restart_of(const YAML::Node& n) {
    std::string r = text(n, "restart");
    if (r == "no" || r == "none" || r == "false") return "none";
    if (r == "always" || r == "unless-stopped" || r == "any") return "any";
    if (r.rfind("on-failure", 0) == 0) return "on-failure";
    throw UserError(at(n) + ": " + service.name + ": restart \"" + r + "\" is not a restart policy",
                    "use no, always, unless-stopped or on-failure[:N]");
  }

  void map_resources(const YAML::Node& node) {
    auto& r = service.resources;
    if (child(node, "mem_limit")) r.memory_limit = bytes(child(node, "mem_limit"), "mem_limit");
    if (child(node, "mem_reservation"))
      r.memory_reservation = bytes(child(node, "mem_reservation"), "mem_reservation");
    if (child(node, "cpus")) r.cpu_limit = cpu(child(node, "cpus"), "cpus");
    if (child(node, "scale")) service.replicas = integer(child(node, "scale"), "scale", 0, 1000);
    const YAML::Node& deploy = child(node, "deploy");
    if (deploy && deploy.IsMap() && child(deploy, "resources") && child(deploy, "resources").IsMap()) {
      const YAML::Node& res = child(deploy, "resources");
      if (const auto& limits = child(res, "limits"); limits && limits.IsMap()) {
        if (child(limits, "memory"))
          r.memory_limit = bytes(child(limits, "memory"), "deploy.resources.limits.memory");
        if (child(limits, "cpus")) r.cpu_limit = cpu(child(limits, "cpus"), "deploy.resources.limits.cpus");
      }
      if (const auto& reservations = child(res, "reservations"); reservations && reservations.IsMap()) {
        if (child(reservations, "memory"))
          r.memory_reservation = bytes(child(reservations, "memory"), "deploy.resources.reservations.memory");
        if (child(reservations, "cpus"))
          r.cpu_reservation = cpu(child(reservations, "cpus"), "deploy.resources.reservations.cpus");
        if (child(reservations, "devices"))
          unmapped(child(reservations, "devices"),
                   "device reservations (GPUs): the service is tied to a server with that hardware");
        if (child(reservations, "generic_resources"))
          unmapped(child(reservations, "generic_resources"),
                   "generic resources are not carried into the estate");
      }
    }
  }

  void map_ports(const YAML::Node& ports) {
    if (!ports) return;
    if (!ports.IsSequence()) throw UserError(at(ports) + ": " + service.name + ": ports must be a list");
    for (const auto& p : ports) {
      std::string host_ip;
      const size_t first = service.ports.size();
      if (p.IsMap()) {
        model::Port port;
        port.target = integer(child(p, "target"), "ports.target", 1, 65535);
        if (child(p, "published")) {
          auto published = parse_short_port(
              text(child(p, "published"), "ports.published") + ":" + std::to_string(port.target), at(p),
              host_ip);
          port.published = published.front().published;
          if (published.size() > 1)
            unmapped(p, "a published port range on a long-form port: only its first port is kept");
        }
        if (child(p, "protocol")) port.protocol = text(child(p, "protocol"), "ports.protocol");
        if (child(p, "mode")) port.mode = text(child(p, "mode"), "ports.mode");
        if (child(p, "host_ip")) host_ip = text(child(p, "host_ip"), "ports.host_ip");
        service.ports.push_back(port);
      } else {
        auto parsed = parse_short_port(text(p, "ports"), at(p), host_ip);
        service.ports.insert(service.ports.end(), parsed.begin(), parsed.end());
      }
      if (host_ip.empty() || host_ip == "0.0.0.0" || host_ip == "::") continue;
      // Published on one address only (loopback, one interface): the estate keeps the address so no
      // later output widens it (docs/generate.md: never on the routing mesh, never opened in UFW).
      for (size_t i = first; i < service.ports.size(); ++i)
        if (service.ports[i].published > 0) service.ports[i].host_ip = host_ip;
      note(p, "published only on " + host_ip +
                  ": kept private (the stacks do not publish it; reach it over the overlay network)");
    }
  }

  void add_volume(const YAML::Node& at_node, const std::string& type, const std::string& source,
                  const std::string& target, bool read_only) {
    model::Volume v;
    v.target = target;
    v.read_only = read_only;
    if (type == "tmpfs") {  // memory-backed scratch space, not state
      service.runtime.tmpfs.push_back(target);
      return;
    }
    if (type == "bind") {
      v.bind = true;
      // A relative host path is relative to the compose file's folder: make it the real path.
      // Absolute even when the compose file was named by a relative path (`import compose x.yml`):
      // a stack deployed from out/stacks/ must not resolve it against that folder.
      v.name = !source.empty() && source[0] == '.'
                   ? std::filesystem::absolute(raw.dir / source).lexically_normal().string()
                   : source;
      if (v.name.size() > 1 && v.name.back() == '/') v.name.pop_back();
      if (source.find("docker.sock") != std::string::npos)
        note(at_node, "mounts the Docker socket: on Swarm it must run on a manager to see the cluster");
    } else if (type == "volume") {
      if (source.empty()) {
        v.name = project.name + "_" + raw.name + "_anonymous" + std::to_string(service.volumes.size());
        unmapped(at_node, "anonymous volume at " + target + ": imported as " + v.name +
                              "; give it a name so its data can be found and moved");
      } else {
        auto it = project.volumes.find(source);
        if (it == project.volumes.end()) {
          v.name = project.name + "_" + source;
          unmapped(at_node, "volume " + source + " is not declared under the top-level volumes:");
        } else {
          v.name = it->second.name;
          v.shared = it->second.shared;
        }
      }
    } else {
      unmapped(at_node, "volume type " + type + " is not carried into the estate");
      return;
    }
    service.volumes.push_back(v);
  }

  void map_volumes(const YAML::Node& volumes) {
    if (!volumes) return;
    if (!volumes.IsSequence())
      throw UserError(at(volumes) + ": " + service.name + ": volumes must be a list");
    for (const auto& v : volumes) {
      if (v.IsMap()) {
        std::string type = child(v, "type") ? text(child(v, "type"), "volumes.type") : "volume";
        if (!child(v, "target"))
          throw UserError(at(v) + ": " + service.name + ": a long-form volume needs a target");
        bool ro = child(v, "read_only") && boolean(child(v, "read_only"), raw.file, "volumes.read_only");
        add_volume(v, type, child(v, "source") ? text(child(v, "source"), "volumes.source") : "",
                   text(child(v, "target"), "volumes.target"), ro);
        continue;
      }
      std::string spec = text(v, "volumes");
      // SOURCE:TARGET[:MODE] or TARGET alone (anonymous).
      size_t first = spec.find(':');
      if (first == std::string::npos) {
        add_volume(v, "volume", "", spec, false);
        continue;
      }
      std::string source = spec.substr(0, first);
      std::string rest = spec.substr(first + 1);
      size_t second = rest.find(':');
      std::string target = rest.substr(0, second);
      std::string mode = second == std::string::npos ? "" : rest.substr(second + 1);
      if (target.empty())
        throw UserError(at(v) + ": " + service.name + ": volume \"" + spec + "\" has no target path");
      bool bind = !source.empty() && (source[0] == '.' || source[0] == '/' || source[0] == '~');
      bool ro = mode.find("ro") != std::string::npos && mode.find("rw") == std::string::npos;
      add_volume(v, bind ? "bind" : "volume", source, target, ro);
    }
  }

  void map_networks(const YAML::Node& node) {
    if (const auto& mode = child(node, "network_mode")) {
      unmapped(mode,
               "network_mode " + text(mode, "network_mode") +
                   ": Swarm services join overlay networks; the service gets the project's default network");
    }
    std::vector<std::string> keys = names(child(node, "networks"), "networks");
    if (const auto& nets = child(node, "networks"); nets && nets.IsMap()) {
      for (const auto& kv : nets)
        if (kv.second.IsMap() && (child(kv.second, "ipv4_address") || child(kv.second, "ipv6_address")))
          unmapped(kv.second,
                   "fixed IP address on " + kv.first.Scalar() + ": Swarm assigns addresses itself");
    }
    if (keys.empty()) keys.push_back("default");
    for (const auto& key : keys) {
      auto it = project.networks.find(key);
      if (it == project.networks.end()) {
        if (key != "default")
          unmapped(child(node, "networks"),
                   "network " + key + " is not declared under the top-level networks:");
        service.networks.push_back(key == "default" ? project.networks.at("default") : key);
      } else {
        service.networks.push_back(it->second);
      }
    }
  }

  void map_depends(const YAML::Node& node) {
    std::vector<std::string> deps = names(child(node, "depends_on"), "depends_on");
    for (const auto& link : names(child(node, "links"), "links"))
      deps.push_back(link.substr(0, link.find(':')));
    for (const auto& d : deps) {
      auto it = project.service_names.find(d);
      std::string name = it == project.service_names.end() ? d : it->second;
      if (it == project.service_names.end())
        unmapped(child(node, "depends_on") ? child(node, "depends_on") : child(node, "links"),
                 "depends on " + d + ", which is not a service of project " + project.name);
      if (std::find(service.depends_on.begin(), service.depends_on.end(), name) == service.depends_on.end())
        service.depends_on.push_back(name);
    }
  }

  void map_healthcheck(const YAML::Node& hc) {
    if (!hc) return;
    if (!hc.IsMap()) throw UserError(at(hc) + ": " + service.name + ": healthcheck must be a mapping");
    if (child(hc, "disable") && boolean(child(hc, "disable"), raw.file, "healthcheck.disable")) return;
    // `disable: false` alone changes nothing: the image's own health check stays.
    if (!child(hc, "test") && !child(hc, "interval") && !child(hc, "timeout") && !child(hc, "start_period") &&
        !child(hc, "retries"))
      return;
    model::HealthCheck check;
    if (const auto& test = child(hc, "test")) {
      if (test.IsSequence()) {
        for (const auto& t : test) check.test.push_back(text(t, "healthcheck.test"));
      } else {
        check.test = {"CMD-SHELL", text(test, "healthcheck.test")};
      }
      if (!check.test.empty() && check.test[0] == "NONE") return;
    }
    if (child(hc, "interval")) check.interval = duration(child(hc, "interval"), "healthcheck.interval");
    if (child(hc, "timeout")) check.timeout = duration(child(hc, "timeout"), "healthcheck.timeout");
    if (child(hc, "start_period"))
      check.start_period = duration(child(hc, "start_period"), "healthcheck.start_period");
    if (child(hc, "retries")) check.retries = integer(child(hc, "retries"), "healthcheck.retries", 0, 1000);
    if (check.test.empty())
      note(hc,
           "health check overrides only its timing: the image's own test runs with it (no `test:` in the "
           "estate)");
    service.healthcheck = check;
  }

  // Database names from POSTGRES_DB, MYSQL_DATABASE ... in `environment:` and env files. Only these
  // keys are read; passwords are never looked at.
  void map_data(const YAML::Node& node) {
    if (!service.data) return;
    std::map<std::string, std::string> env;
    for (const auto& f : names(child(node, "env_file"), "env_file")) {
      std::filesystem::path path = raw.dir / f;
      auto content = read(path);
      if (!content) {
        note(child(node, "env_file"), "env_file " + f + " not found: its variables were not read");
        continue;
      }
      env.merge(parse_env_file(*content, path.string()));
    }
    for (auto& [k, v] : key_values(child(node, "environment"), "environment")) env[k] = v;
    std::string db = database_from_env(service.data->engine, env);
    if (!db.empty()) service.data->databases.push_back(db);
  }

  void map_misc(const YAML::Node& node) {
    for (const auto& c : names(child(node, "cap_add"), "cap_add")) service.cap_add.push_back(c);
    if (child(node, "read_only"))
      service.read_only_root = boolean(child(node, "read_only"), raw.file, "read_only");
    if (child(node, "restart")) service.restart = restart_of(child(node, "restart"));
    for (const auto& s : names(child(node, "secrets"), "secrets")) service.secrets.push_back(s);
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      if (key.rfind("x-", 0) == 0 || kIgnoredKeys.count(key)) continue;
      auto it = kUnmappedKeys.find(key);
      unmapped(kv.first, it != kUnmappedKeys.end() ? it->second : "unknown key " + key + " ignored");
    }
  }

  void finish() {
    auto& r = service.resources;
    bool memory_declared = r.memory_limit > 0 || r.memory_reservation > 0;
    model::Resources defaults = default_resources(service.category, service.image);
    if (r.memory_reservation == 0)
      r.memory_reservation = memory_declared ? r.memory_limit : defaults.memory_reservation;
    if (r.cpu_reservation == 0)
      r.cpu_reservation =
          r.cpu_limit > 0 ? std::min(r.cpu_limit, defaults.cpu_reservation) : defaults.cpu_reservation;
    if (!memory_declared) {
      r.estimated = true;
      result.notes.push_back({at(raw.node), service.name,
                              "no memory limit or reservation: reserving the " +
                                  model::to_string(service.category) + " default of " +
                                  model::format_bytes(r.memory_reservation) + " (estimate)"});
    }
    settle_state(service);
  }
};

}  // namespace

std::vector<model::Port> parse_short_port(const std::string& spec, const std::string& at,
                                          std::string& host_ip) {
  auto bad = [&](const std::string& why) {
    return UserError(at + ": port \"" + spec + "\": " + why,
                     "write it as [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 8080:80/tcp");
  };
  std::string s = spec, protocol = "tcp";
  if (size_t slash = s.rfind('/'); slash != std::string::npos) {
    protocol = s.substr(slash + 1);
    s = s.substr(0, slash);
    if (protocol != "tcp" && protocol != "udp" && protocol != "sctp")
      throw bad("unknown protocol " + protocol);
  }
  if (!s.empty() && s[0] == '[') {  // [::1]:53:53
    size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') throw bad("unclosed '['");
    host_ip = s.substr(1, close - 1);
    s = s.substr(close + 2);
  }
  std::string container = s, published;
  if (size_t last = s.rfind(':'); last != std::string::npos) {
    container = s.substr(last + 1);
    std::string front = s.substr(0, last);
    if (size_t colon = front.rfind(':'); colon != std::string::npos) {
      published = front.substr(colon + 1);
      host_ip = front.substr(0, colon);
    } else if (front.find('.') != std::string::npos) {
      host_ip = front;  // "127.0.0.1:80" is not valid Compose, but an address alone is clearly not a port
    } else {
      published = front;
    }
  }
  auto range = [&](const std::string& r) -> std::pair<int, int> {
    size_t dash = r.find('-');
    auto num = [&](const std::string& n) {
      if (n.empty() || n.size() > 5 || n.find_first_not_of("0123456789") != std::string::npos)
        throw bad("\"" + n + "\" is not a port");
      int v = std::stoi(n);
      if (v < 1 || v > 65535) throw bad(n + " is outside 1-65535");
      return v;
    };
    int lo = num(r.substr(0, dash));
    int hi = dash == std::string::npos ? lo : num(r.substr(dash + 1));
    if (hi < lo) throw bad("range ends before it starts");
    return {lo, hi};
  };
  auto [clo, chi] = range(container);
  int plo = 0, phi = 0;
  if (!published.empty()) std::tie(plo, phi) = range(published);
  if (!published.empty() && phi - plo != chi - clo && phi != plo && chi != clo)
    throw bad("host and container ranges differ in length");
  std::vector<model::Port> out;
  for (int i = 0; i <= chi - clo; ++i) {
    model::Port p;
    p.target = clo + i;
    p.published = published.empty() ? 0 : (phi == plo || chi == clo ? plo : plo + i);
    p.protocol = protocol;
    out.push_back(p);
  }
  return out;
}

model::Service map_service(const RawService& raw, const ProjectContext& project, const FileReader& read,
                           ImportResult& result) {
  Mapper m{raw, project, read, result, {}};
  const YAML::Node& node = raw.node;
  m.service.name = project.service_names.count(raw.name) ? project.service_names.at(raw.name) : raw.name;
  m.service.stack = project.name;
  m.service.where = {raw.file, raw.line, 0};
  if (!node.IsMap()) {
    if (node.IsNull())
      throw UserError(m.at(node) + ": service " + raw.name + " is empty", "give it at least an image:");
    throw UserError(m.at(node) + ": service " + raw.name + " must be a mapping of settings");
  }
  m.map_image(node);
  m.map_labels(node);
  m.map_resources(node);
  m.map_deploy(child(node, "deploy"));
  m.map_ports(child(node, "ports"));
  m.map_volumes(child(node, "volumes"));
  m.map_networks(node);
  m.map_depends(node);
  m.map_healthcheck(child(node, "healthcheck"));
  m.map_misc(node);
  map_runtime(raw, project, read, result, m.service);
  m.map_data(node);
  m.finish();
  return m.service;
}

}  // namespace rehome::import
