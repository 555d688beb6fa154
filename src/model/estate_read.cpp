// Reading estate.yaml into the model, collecting every problem (see estate_yaml.hpp).
#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "model/defaults.hpp"
#include "model/estate_yaml.hpp"
#include "model/validate.hpp"
#include "model/yaml_fields.hpp"

namespace rehome::model {
namespace {

// clang-format off
const std::vector<std::string> kTopKeys{"name",     "description", "headroom", "managers", "servers",
                                        "networks", "services",    "backup",   "secrets",  "registry"};
// clang-format on
const std::vector<std::string> kBuildKeys{"context", "dockerfile"};
const std::vector<std::string> kSecretKeys{"from", "env_file", "file"};
const std::vector<std::string> kConfigKeys{"source", "target", "file"};
const std::vector<std::string> kUlimitKeys{"soft", "hard"};
const std::vector<std::string> kLoggingKeys{"driver", "options"};
const std::vector<std::string> kServerKeys{"address", "memory",      "cpu",         "cpu_model",
                                           "disk",    "labels",      "role",        "edge",
                                           "weak",    "reliability", "uptime_days", "note"};
// clang-format off
const std::vector<std::string> kServiceKeys{
    "image",          "stack",     "category", "tier",        "memory", "limit",     "cpu",
    "cpu_limit",      "estimated", "replicas", "global",      "ports",  "volumes",   "stateful",
    "depends_on",     "networks",  "secrets",  "healthcheck", "spiky",  "placement", "cap_add",
    "read_only_root", "restart",   "data",     "metrics",     "category_guessed", "measured",
    "build",          "environment", "command", "entrypoint", "labels", "deploy_labels", "configs",
    "user",           "working_dir", "cap_drop", "ulimits",   "tmpfs",  "stop_grace_period",
    "stop_signal",    "init",      "shm_size", "logging",     "hostname"};
// clang-format on
const std::vector<std::string> kNetworkKeys{"encrypted", "internal", "public"};
const std::vector<std::string> kPortKeys{"published", "target", "protocol", "mode", "host_ip"};
const std::vector<std::string> kVolumeKeys{"name", "target", "shared", "bind", "read_only"};
const std::vector<std::string> kHealthKeys{"test", "interval", "timeout", "start_period", "retries"};
const std::vector<std::string> kPlacementKeys{"pin", "labels", "max_per_node", "affinity", "anti_affinity"};
const std::vector<std::string> kDataKeys{"engine", "databases", "size", "replica_of"};
const std::vector<std::string> kMemoryKeys{"reservation", "limit"};
const std::vector<std::string> kCpuKeys{"reservation", "limit"};
const std::vector<std::string> kBackupKeys{"schedule", "retention",   "targets",
                                           "volumes",  "git_mirrors", "mirror_remote"};
const std::vector<std::string> kRetentionKeys{"daily", "weekly", "monthly", "yearly"};
const std::vector<std::string> kTargetKeys{"name", "kind", "medium", "location"};

constexpr long long kMaxCount = 100000;

template <typename T>
void set(T& field, std::optional<T> value) {
  if (value) field = std::move(*value);
}

bool parse_port_number(std::string_view s, int& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool looks_like_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
}

// plan.yaml / proposal.yaml: `estate: name` and `servers: {host: [service, ...]}`.
bool looks_like_plan(const YAML::Node& root) {
  if (!root.IsMap() || !root["estate"] || root["services"]) return false;
  const YAML::Node servers = root["servers"];
  if (!servers || !servers.IsMap()) return false;
  for (const auto& entry : servers)
    if (!entry.second.IsSequence()) return false;
  return true;
}

class EstateReader {
 public:
  EstateReader(EstateReading& out, const std::string& file)
      : out_(out), r_(file, out.problems, out.locations) {}

  void read(const YAML::Node& root) {
    if (root.IsNull()) {
      r_.problem(root, "", "the file is empty", "describe at least `servers:` and `services:`");
      return;
    }
    if (looks_like_plan(root)) {
      r_.problem(root, "", "this is a plan or proposal (servers list their services), not an estate",
                 "give the estate.yaml here; plans go to `rehome check ESTATE PLAN`");
      return;
    }
    r_.for_each_entry(root, "", kTopKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& path) {
                        if (key == "name")
                          set(estate().name, r_.text(v, path));
                        else if (key == "description")
                          set(estate().description, r_.text(v, path));
                        else if (key == "headroom")
                          set(estate().headroom, r_.share(v, path));
                        else if (key == "managers") {
                          if (auto n = r_.integer(v, path, 1, 9)) estate().managers = static_cast<int>(*n);
                        } else if (key == "servers")
                          read_servers(v, path);
                        else if (key == "networks")
                          read_networks(v, path);
                        else if (key == "services")
                          read_services(v, path);
                        else if (key == "backup")
                          read_backup(v, path);
                        else if (key == "registry")
                          set(estate().registry, r_.text(v, path));
                        else if (key == "secrets")
                          read_secrets(v, path);
                      });
    if (!root.IsMap()) return;
    if (!root["servers"])
      r_.problem(root, "servers", "no `servers:` section", "list the servers to move onto");
    if (!root["services"])
      r_.problem(root, "services", "no `services:` section", "list the services to place");
  }

 private:
  Estate& estate() { return out_.estate; }

  void read_servers(const YAML::Node& node, const std::string& path) {
    r_.for_each_entry(node, path, {},
                      [&](const std::string& name, const YAML::Node& v, const std::string& p) {
                        Server s;
                        s.name = name;
                        s.where = out_.locations.find(p);
                        r_.for_each_entry(v, p, kServerKeys,
                                          [&](const std::string& key, const YAML::Node& f,
                                              const std::string& fp) { read_server_field(s, key, f, fp); });
                        estate().servers.push_back(std::move(s));
                      });
  }

  void read_server_field(Server& s, const std::string& key, const YAML::Node& f, const std::string& fp) {
    if (key == "address")
      set(s.address, r_.text(f, fp));
    else if (key == "memory")
      set(s.memory, r_.bytes(f, fp));
    else if (key == "cpu") {
      if (auto n = r_.integer(f, fp, 1, 1 << 20)) s.cpu_threads = static_cast<int>(*n);
    } else if (key == "cpu_model")
      set(s.cpu_model, r_.text(f, fp));
    else if (key == "disk")
      set(s.disk, r_.bytes(f, fp));
    else if (key == "labels")
      s.labels = r_.string_map(f, fp);
    else if (key == "role") {
      if (auto t = r_.text(f, fp)) {
        if (auto role = role_from_string(*t))
          s.role = *role;
        else
          r_.problem(f, fp, "unknown role '" + *t + "'", "write manager or worker");
      }
    } else if (key == "edge")
      set(s.hints.edge, r_.boolean(f, fp));
    else if (key == "weak")
      set(s.hints.weak, r_.boolean(f, fp));
    else if (key == "reliability") {
      if (auto t = r_.text(f, fp)) {
        if (auto rel = reliability_from_string(*t))
          s.hints.reliability = *rel;
        else
          r_.problem(f, fp, "unknown reliability '" + *t + "'", "write high, normal or low");
      }
    } else if (key == "uptime_days") {
      if (auto n = r_.integer(f, fp, 0, 100000)) s.hints.uptime_days = static_cast<int>(*n);
    } else if (key == "note")
      set(s.hints.note, r_.text(f, fp));
  }

  void read_networks(const YAML::Node& node, const std::string& path) {
    if (node.IsSequence()) {  // a plain list of names
      for (size_t i = 0; i < node.size(); ++i) {
        std::string p = fmt::format("{}[{}]", path, i);
        r_.record(p, node[i]);
        if (auto name = r_.text(node[i], p))
          estate().networks.push_back(Network{.name = *name, .where = r_.where(node[i])});
      }
      return;
    }
    r_.for_each_entry(
        node, path, {}, [&](const std::string& name, const YAML::Node& v, const std::string& p) {
          Network n{.name = name, .where = out_.locations.find(p)};
          r_.for_each_entry(v, p, kNetworkKeys,
                            [&](const std::string& key, const YAML::Node& f, const std::string& fp) {
                              if (key == "encrypted")
                                set(n.encrypted, r_.boolean(f, fp));
                              else if (key == "internal")
                                set(n.internal, r_.boolean(f, fp));
                              else if (key == "public")
                                set(n.public_, r_.boolean(f, fp));
                            });
          estate().networks.push_back(std::move(n));
        });
  }

  void read_services(const YAML::Node& node, const std::string& path) {
    r_.for_each_entry(
        node, path, {}, [&](const std::string& name, const YAML::Node& v, const std::string& p) {
          Service s;
          s.name = name;
          s.where = out_.locations.find(p);
          bool category_given = false, memory_given = false, stateful_given = false, estimated_given = false;
          r_.for_each_entry(v, p, kServiceKeys,
                            [&](const std::string& key, const YAML::Node& f, const std::string& fp) {
                              category_given |= key == "category";
                              memory_given |= key == "memory";
                              stateful_given |= key == "stateful";
                              estimated_given |= key == "estimated";
                              read_service_field(s, key, f, fp);
                            });
          if (!category_given) {
            auto guess = guess_category(s.name, s.image);
            s.category = guess.value_or(Category::app);
            s.category_guessed = true;
          }
          if (!memory_given && s.resources.memory_limit > 0) {
            s.resources.memory_reservation = s.resources.memory_limit;  // only a limit: plan for all of it
          } else if (!memory_given) {
            s.resources.memory_reservation = default_memory(s.category);
            if (!estimated_given) s.resources.estimated = true;
          }
          if (!stateful_given) s.stateful = s.data.has_value();
          estate().services.push_back(std::move(s));
        });
  }

  void read_service_field(Service& s, const std::string& key, const YAML::Node& f, const std::string& fp) {
    if (read_runtime_field(s.runtime, key, f, fp)) return;
    if (key == "image")
      set(s.image, r_.text(f, fp));
    else if (key == "stack")
      set(s.stack, r_.text(f, fp));
    else if (key == "category") {
      if (auto t = r_.text(f, fp)) {
        if (auto c = category_from_string(*t))
          s.category = *c;
        else
          r_.problem(f, fp, "unknown category '" + *t + "'",
                     "use one of database, cache, queue, storage, monitoring, logging, ci, proxy, auth, app, "
                     "frontend, mail, backup, ml, other");
      }
    } else if (key == "tier") {
      if (auto t = r_.text(f, fp)) {
        if (auto tier = tier_from_string(*t))
          s.tier = *tier;
        else
          r_.problem(f, fp, "unknown tier '" + *t + "'", "write production, staging or dev");
      }
    } else if (key == "memory")
      read_memory(s.resources, f, fp);
    else if (key == "limit")
      set(s.resources.memory_limit, r_.bytes(f, fp));
    else if (key == "cpu")
      read_cpu(s.resources, f, fp);
    else if (key == "cpu_limit")
      set(s.resources.cpu_limit, r_.cpu(f, fp));
    else if (key == "estimated")
      set(s.resources.estimated, r_.boolean(f, fp));
    else if (key == "measured")
      set(s.resources.measured, r_.boolean(f, fp));
    else if (key == "category_guessed")
      set(s.category_guessed, r_.boolean(f, fp));
    else if (key == "replicas") {
      if (auto n = r_.integer(f, fp, 0, kMaxCount)) s.replicas = static_cast<int>(*n);
    } else if (key == "global")
      set(s.global, r_.boolean(f, fp));
    else if (key == "ports")
      read_list(f, fp, [&](const YAML::Node& item, const std::string& ip) { read_port(s, item, ip); });
    else if (key == "volumes")
      read_list(f, fp, [&](const YAML::Node& item, const std::string& ip) { read_volume(s, item, ip); });
    else if (key == "stateful")
      set(s.stateful, r_.boolean(f, fp));
    else if (key == "depends_on")
      s.depends_on = r_.names(f, fp);
    else if (key == "networks")
      s.networks = r_.names(f, fp);
    else if (key == "secrets")
      s.secrets = r_.names(f, fp);
    else if (key == "healthcheck")
      read_healthcheck(s, f, fp);
    else if (key == "spiky")
      set(s.spiky, r_.boolean(f, fp));
    else if (key == "placement")
      read_placement(s.placement, f, fp);
    else if (key == "cap_add")
      s.cap_add = r_.names(f, fp);
    else if (key == "read_only_root")
      set(s.read_only_root, r_.boolean(f, fp));
    else if (key == "restart") {
      if (auto t = r_.text(f, fp)) {
        if (*t == "any" || *t == "on-failure" || *t == "none")
          s.restart = *t;
        else
          r_.problem(f, fp, "unknown restart policy '" + *t + "'", "write any, on-failure or none");
      }
    } else if (key == "data")
      read_data(s, f, fp);
    else if (key == "build")
      read_build(s, f, fp);
    else if (key == "metrics")
      s.metrics = r_.string_map(f, fp);
  }

  // Runtime fields (docs/estate-format.md, "Runtime"); true when `key` was one of them.
  bool read_runtime_field(Runtime& rt, const std::string& key, const YAML::Node& f, const std::string& fp) {
    if (key == "environment")
      r_.for_each_entry(f, fp, {}, [&](const std::string& name, const YAML::Node& v, const std::string& p) {
        EnvValue e;
        if (v.IsMap()) {
          r_.for_each_entry(v, p, {"secret"},
                            [&](const std::string&, const YAML::Node& n, const std::string& np) {
                              set(e.secret, r_.text(n, np));
                            });
          if (e.secret.empty())
            r_.problem(v, p, "a reference needs `secret: <name>`", "write {secret: name}");
        } else if (!v.IsNull()) {
          set(e.value, r_.text(v, p));
        }
        rt.environment[name] = std::move(e);
      });
    else if (key == "command" || key == "entrypoint")
      (key == "command" ? rt.command : rt.entrypoint) = r_.names(f, fp);
    else if (key == "labels")
      rt.labels = r_.string_map(f, fp);
    else if (key == "deploy_labels")
      rt.deploy_labels = r_.string_map(f, fp);
    else if (key == "configs")
      read_list(f, fp, [&](const YAML::Node& item, const std::string& ip) {
        ConfigMount c;
        if (item.IsScalar()) {
          c.source = item.Scalar();
        } else {
          r_.for_each_entry(
              item, ip, kConfigKeys, [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                set(k == "source" ? c.source : k == "target" ? c.target : c.file, r_.text(n, np));
              });
        }
        if (c.source.empty()) r_.problem(item, ip, "the config has no source", "add `source: <config name>`");
        rt.configs.push_back(std::move(c));
      });
    else if (key == "user")
      set(rt.user, r_.text(f, fp));
    else if (key == "working_dir")
      set(rt.working_dir, r_.text(f, fp));
    else if (key == "hostname")
      set(rt.hostname, r_.text(f, fp));
    else if (key == "cap_drop")
      rt.cap_drop = r_.names(f, fp);
    else if (key == "ulimits")
      r_.for_each_entry(f, fp, {}, [&](const std::string& name, const YAML::Node& v, const std::string& p) {
        Ulimit u;
        if (v.IsScalar()) {
          if (auto n = r_.integer(v, p, -1, 1LL << 62)) u.soft = u.hard = *n;
        } else {
          r_.for_each_entry(v, p, kUlimitKeys,
                            [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                              if (auto x = r_.integer(n, np, -1, 1LL << 62))
                                (k == "soft" ? u.soft : u.hard) = *x;
                            });
        }
        rt.ulimits[name] = u;
      });
    else if (key == "tmpfs")
      rt.tmpfs = r_.names(f, fp);
    else if (key == "stop_grace_period")
      set(rt.stop_grace_period, r_.duration(f, fp));
    else if (key == "stop_signal")
      set(rt.stop_signal, r_.text(f, fp));
    else if (key == "init") {
      if (auto b = r_.boolean(f, fp)) rt.init = *b;
    } else if (key == "shm_size")
      set(rt.shm_size, r_.bytes(f, fp));
    else if (key == "logging") {
      Logging l;
      r_.for_each_entry(f, fp, kLoggingKeys,
                        [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                          if (k == "driver")
                            set(l.driver, r_.text(n, np));
                          else
                            l.options = r_.string_map(n, np);
                        });
      rt.logging = std::move(l);
    } else
      return false;
    return true;
  }

  void read_secrets(const YAML::Node& node, const std::string& path) {
    r_.for_each_entry(
        node, path, {}, [&](const std::string& name, const YAML::Node& v, const std::string& p) {
          SecretSource src{.name = name};
          r_.for_each_entry(
              v, p, kSecretKeys, [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                set(k == "from" ? src.from : k == "env_file" ? src.env_file : src.file, r_.text(n, np));
              });
          if (src.from.empty() == src.file.empty())
            r_.problem(v, p, "a secret needs either `from:` (a template over .env variables) or `file:`",
                       "write {from: \"${DB_PASSWORD}\", env_file: /path/.env} or {file: /path/secret.txt}");
          estate().secrets.push_back(std::move(src));
        });
  }

  // `memory: 4G` is the reservation; the long form `memory: {reservation: 4G, limit: 6G}` also works.
  void read_memory(Resources& res, const YAML::Node& f, const std::string& fp) {
    if (!f.IsMap()) return set(res.memory_reservation, r_.bytes(f, fp));
    r_.for_each_entry(f, fp, kMemoryKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                        set(key == "limit" ? res.memory_limit : res.memory_reservation, r_.bytes(v, p));
                      });
  }

  void read_cpu(Resources& res, const YAML::Node& f, const std::string& fp) {
    if (!f.IsMap()) return set(res.cpu_reservation, r_.cpu(f, fp));
    r_.for_each_entry(f, fp, kCpuKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                        set(key == "limit" ? res.cpu_limit : res.cpu_reservation, r_.cpu(v, p));
                      });
  }

  template <typename Fn>
  void read_list(const YAML::Node& f, const std::string& fp, Fn each) {
    if (f.IsNull()) return;
    if (!f.IsSequence()) {
      r_.problem(f, fp, "expected a list", "write [a, b] or one `- item` per line");
      return;
    }
    for (size_t i = 0; i < f.size(); ++i) {
      std::string ip = fmt::format("{}[{}]", fp, i);
      r_.record(ip, f[i]);
      each(f[i], ip);
    }
  }

  // "8080:80", "443:443/tcp", "53:53/udp", "9100" (not published), or the long form.
  void read_port(Service& s, const YAML::Node& item, const std::string& ip) {
    Port port;
    if (item.IsMap()) {
      r_.for_each_entry(item, ip, kPortKeys,
                        [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                          if (key == "published") {
                            if (auto n = r_.integer(v, p, 0, 65535)) port.published = static_cast<int>(*n);
                          } else if (key == "target") {
                            if (auto n = r_.integer(v, p, 1, 65535)) port.target = static_cast<int>(*n);
                          } else if (key == "protocol")
                            set(port.protocol, r_.text(v, p));
                          else if (key == "mode")
                            set(port.mode, r_.text(v, p));
                          else if (key == "host_ip")
                            set(port.host_ip, r_.text(v, p));
                        });
    } else if (auto text = r_.text(item, ip)) {
      std::string spec = *text;
      if (auto slash = spec.find('/'); slash != std::string::npos) {
        port.protocol = spec.substr(slash + 1);
        spec.resize(slash);
      }
      // "127.0.0.1:13306:3306" or "[::1]:53:53": published on that address only.
      if (!spec.empty() && spec[0] == '[') {
        auto close = spec.find("]:");
        if (close != std::string::npos) {
          port.host_ip = spec.substr(1, close - 1);
          spec = spec.substr(close + 2);
        }
      } else if (std::count(spec.begin(), spec.end(), ':') == 2) {
        port.host_ip = spec.substr(0, spec.find(':'));
        spec = spec.substr(spec.find(':') + 1);
      }
      auto colon = spec.find(':');
      bool ok = colon == std::string::npos
                    ? parse_port_number(spec, port.target)
                    : parse_port_number(std::string_view(spec).substr(0, colon), port.published) &&
                          parse_port_number(std::string_view(spec).substr(colon + 1), port.target);
      if (!ok || port.target < 1 || port.target > 65535 || port.published < 0 || port.published > 65535) {
        r_.problem(item, ip, "'" + *text + "' is not a port",
                   "write published:target such as 8080:80, add /udp for UDP, or just the target port");
        return;
      }
    } else {
      return;
    }
    if (port.protocol != "tcp" && port.protocol != "udp" && port.protocol != "sctp")
      r_.problem(item, ip, "unknown protocol '" + port.protocol + "'", "write tcp, udp or sctp");
    if (port.mode != "ingress" && port.mode != "host")
      r_.problem(item, ip, "unknown port mode '" + port.mode + "'", "write ingress or host");
    if (port.target == 0)
      r_.problem(item, ip, "the port has no target", "add `target:` (the port inside the container)");
    if (!port.host_ip.empty() && port.published == 0)
      r_.problem(item, ip, "host_ip " + port.host_ip + " on a port that is not published",
                 "add `published:` or drop `host_ip`");
    s.ports.push_back(port);
  }

  // "gitlab-data:/var/opt/gitlab", "/srv/conf:/etc/app:ro", or the long form with `shared: true`.
  void read_volume(Service& s, const YAML::Node& item, const std::string& ip) {
    Volume vol;
    if (item.IsMap()) {
      bool bind_given = false;
      r_.for_each_entry(item, ip, kVolumeKeys,
                        [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                          if (key == "name")
                            set(vol.name, r_.text(v, p));
                          else if (key == "target")
                            set(vol.target, r_.text(v, p));
                          else if (key == "shared")
                            set(vol.shared, r_.boolean(v, p));
                          else if (key == "bind") {
                            bind_given = true;
                            set(vol.bind, r_.boolean(v, p));
                          } else if (key == "read_only")
                            set(vol.read_only, r_.boolean(v, p));
                        });
      if (!bind_given) vol.bind = looks_like_path(vol.name);
      if (vol.name.empty())
        r_.problem(item, ip, "the volume has no name", "add `name:` (a volume name or host path)");
      if (vol.target.empty())
        r_.problem(item, ip, "the volume has no target", "add `target:` (the path inside the container)");
    } else if (auto text = r_.text(item, ip)) {
      std::string spec = *text;
      auto first = spec.find(':');
      auto second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
      std::string options = second == std::string::npos ? "" : spec.substr(second + 1);
      if (first == std::string::npos || first == 0 || first + 1 == spec.size() ||
          (second != std::string::npos && options != "ro" && options != "rw")) {
        r_.problem(
            item, ip, "'" + spec + "' is not a volume",
            "write name:/path/in/container (add :ro for read-only), or the long form with `shared: true`");
        return;
      }
      vol.name = spec.substr(0, first);
      vol.target =
          spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
      vol.read_only = options == "ro";
      vol.bind = looks_like_path(vol.name);
    } else {
      return;
    }
    s.volumes.push_back(std::move(vol));
  }

  void read_healthcheck(Service& s, const YAML::Node& f, const std::string& fp) {
    HealthCheck h;
    r_.for_each_entry(f, fp, kHealthKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                        if (key == "test") {
                          if (v.IsScalar())
                            h.test = {"CMD-SHELL", v.Scalar()};  // a string runs in a shell, as in compose
                          else
                            h.test = r_.names(v, p);
                        } else if (key == "interval")
                          set(h.interval, r_.duration(v, p));
                        else if (key == "timeout")
                          set(h.timeout, r_.duration(v, p));
                        else if (key == "start_period")
                          set(h.start_period, r_.duration(v, p));
                        else if (key == "retries") {
                          if (auto n = r_.integer(v, p, 0, 1000)) h.retries = static_cast<int>(*n);
                        }
                      });
    // No test: the image's own HEALTHCHECK runs, with these timings (compose allows overriding
    // only `interval`).
    s.healthcheck = std::move(h);
  }

  void read_placement(Placement& pl, const YAML::Node& f, const std::string& fp) {
    r_.for_each_entry(f, fp, kPlacementKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                        if (key == "pin")
                          pl.pin = r_.names(v, p);
                        else if (key == "labels")
                          pl.labels = r_.string_map(v, p);
                        else if (key == "max_per_node") {
                          if (auto n = r_.integer(v, p, 0, kMaxCount))
                            pl.max_replicas_per_node = static_cast<int>(*n);
                        } else if (key == "affinity")
                          pl.affinity = r_.names(v, p);
                        else if (key == "anti_affinity")
                          pl.anti_affinity = r_.names(v, p);
                      });
  }

  // `build: ./app` (the context) or `build: {context: ./app, dockerfile: Dockerfile.prod}`.
  void read_build(Service& s, const YAML::Node& f, const std::string& fp) {
    BuildSpec b;
    if (f.IsMap()) {
      r_.for_each_entry(f, fp, kBuildKeys,
                        [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                          set(key == "context" ? b.context : b.dockerfile, r_.text(v, p));
                        });
    } else {
      set(b.context, r_.text(f, fp));
    }
    if (b.context.empty()) {
      r_.problem(f, fp, "a build needs its folder",
                 "write build: /path/to/folder (or build: {context: ...})");
      return;
    }
    s.build = std::move(b);
  }

  void read_data(Service& s, const YAML::Node& f, const std::string& fp) {
    DataSpec d;
    bool engine_given = false;
    r_.for_each_entry(f, fp, kDataKeys,
                      [&](const std::string& key, const YAML::Node& v, const std::string& p) {
                        if (key == "engine") {
                          engine_given = true;
                          set(d.engine, r_.text(v, p));
                        } else if (key == "databases")
                          d.databases = r_.names(v, p);
                        else if (key == "size")
                          set(d.size, r_.bytes(v, p));
                        else if (key == "replica_of") {
                          if (auto t = r_.text(v, p)) d.replica_of = *t;
                        }
                      });
    if (!engine_given) d.engine = guess_engine(s.name, s.image);
    s.data = std::move(d);
  }

  void read_backup(const YAML::Node& node, const std::string& path) {
    BackupSettings& b = estate().backup;
    r_.for_each_entry(
        node, path, kBackupKeys, [&](const std::string& key, const YAML::Node& v, const std::string& p) {
          if (key == "schedule")
            set(b.schedule, r_.text(v, p));
          else if (key == "retention") {
            r_.for_each_entry(v, p, kRetentionKeys,
                              [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                                auto count = r_.integer(n, np, 0, 10000);
                                if (!count) return;
                                int c = static_cast<int>(*count);
                                if (k == "daily")
                                  b.retention.daily = c;
                                else if (k == "weekly")
                                  b.retention.weekly = c;
                                else if (k == "monthly")
                                  b.retention.monthly = c;
                                else
                                  b.retention.yearly = c;
                              });
          } else if (key == "targets")
            read_list(v, p, [&](const YAML::Node& item, const std::string& ip) {
              BackupTarget t;
              r_.for_each_entry(item, ip, kTargetKeys,
                                [&](const std::string& k, const YAML::Node& n, const std::string& np) {
                                  if (k == "name")
                                    set(t.name, r_.text(n, np));
                                  else if (k == "kind")
                                    set(t.kind, r_.text(n, np));
                                  else if (k == "medium")
                                    set(t.medium, r_.text(n, np));
                                  else
                                    set(t.location, r_.text(n, np));
                                });
              b.targets.push_back(std::move(t));
            });
          else if (key == "volumes")
            b.volumes = r_.names(v, p);
          else if (key == "git_mirrors")
            b.git_mirrors = r_.names(v, p);
          else if (key == "mirror_remote")
            set(b.mirror_remote, r_.text(v, p));
        });
  }

  EstateReading& out_;
  FieldReader r_;
};

}  // namespace

EstateReading read_estate(const std::string& yaml, const std::string& filename) {
  EstateReading out;
  out.estate.source_file = filename;
  out.locations.set_file(filename);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    SourceLocation where{.file = filename};
    if (!e.mark.is_null()) {
      where.line = e.mark.line + 1;
      where.column = e.mark.column + 1;
    }
    out.problems.push_back(Problem{where, "", "YAML syntax error: " + e.msg,
                                   "check the indentation and quoting around this line"});
    return out;
  }
  try {
    EstateReader(out, filename).read(root);
  } catch (const YAML::Exception& e) {  // yaml-cpp can still throw on exotic nodes; report, never crash
    out.problems.push_back(
        Problem{SourceLocation{.file = filename}, "", "cannot read the YAML: " + e.msg, ""});
    return out;
  }
  // Checks across fields run even after field errors, so one run lists every problem; a field that
  // could not be read is not reported a second time (an unreadable `memory: 4X` is not also "zero").
  bool whole_file_wrong =
      std::any_of(out.problems.begin(), out.problems.end(), [](const Problem& p) { return p.path.empty(); });
  if (whole_file_wrong) return out;  // empty, not a mapping, or a plan: field checks would only add noise
  std::set<std::string> unreadable;
  for (const auto& p : out.problems) unreadable.insert(p.path);
  for (auto& p : validate(out.estate, out.locations))
    if (!unreadable.count(p.path)) out.problems.push_back(std::move(p));
  return out;
}

}  // namespace rehome::model
