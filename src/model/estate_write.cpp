// Writing an estate back as normalized YAML (see estate_yaml.hpp): canonical units, defaults left out.
#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/error.hpp"
#include "model/defaults.hpp"
#include "model/estate_yaml.hpp"

namespace rehome::model {
namespace {

bool looks_like_path(const std::string& s) {
  return !s.empty() && (s[0] == '/' || s[0] == '.' || s[0] == '~');
}

void flow_list(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) {
  if (items.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& i : items) out << i;
  out << YAML::EndSeq;
}

void flow_map(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& items) {
  if (items.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [k, v] : items) out << YAML::Key << k << YAML::Value << v;
  out << YAML::EndMap;
}

// "10%" when that reads back exactly, else the fraction.
std::string share_text(double share) {
  std::string percent = fmt::format("{}", share * 100.0);
  double back = 0;
  std::from_chars(percent.data(), percent.data() + percent.size(), back);
  if (back / 100.0 == share) return percent + "%";
  return fmt::format("{}", share);
}

void write_server(YAML::Emitter& out, const Server& s) {
  out << YAML::Key << s.name << YAML::Value << YAML::BeginMap;
  if (!s.address.empty()) out << YAML::Key << "address" << YAML::Value << s.address;
  out << YAML::Key << "memory" << YAML::Value << canonical_bytes(s.memory);
  out << YAML::Key << "cpu" << YAML::Value << s.cpu_threads;
  if (!s.cpu_model.empty()) out << YAML::Key << "cpu_model" << YAML::Value << s.cpu_model;
  if (s.disk) out << YAML::Key << "disk" << YAML::Value << canonical_bytes(s.disk);
  out << YAML::Key << "role" << YAML::Value << to_string(s.role);
  if (s.hints.edge) out << YAML::Key << "edge" << YAML::Value << true;
  if (s.hints.weak) out << YAML::Key << "weak" << YAML::Value << true;
  if (s.hints.reliability != Reliability::normal)
    out << YAML::Key << "reliability" << YAML::Value << to_string(s.hints.reliability);
  if (s.hints.uptime_days) out << YAML::Key << "uptime_days" << YAML::Value << *s.hints.uptime_days;
  if (!s.hints.note.empty()) out << YAML::Key << "note" << YAML::Value << s.hints.note;
  flow_map(out, "labels", s.labels);
  out << YAML::EndMap;
}

void write_network(YAML::Emitter& out, const Network& n) {
  out << YAML::Key << n.name << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (n.public_) out << YAML::Key << "public" << YAML::Value << true;
  if (n.encrypted) out << YAML::Key << "encrypted" << YAML::Value << true;
  if (n.internal) out << YAML::Key << "internal" << YAML::Value << true;
  out << YAML::EndMap;
}

std::string port_text(const Port& p) {
  std::string s = p.published ? fmt::format("{}:{}", p.published, p.target) : fmt::format("{}", p.target);
  if (!p.host_ip.empty())
    s = (p.host_ip.find(':') != std::string::npos ? "[" + p.host_ip + "]" : p.host_ip) + ":" + s;
  if (p.protocol != "tcp") s += "/" + p.protocol;
  return s;
}

void write_ports(YAML::Emitter& out, const std::vector<Port>& ports) {
  if (ports.empty()) return;
  out << YAML::Key << "ports" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& p : ports) {
    if (p.mode == "ingress") {
      out << port_text(p);
      continue;
    }
    out << YAML::Flow << YAML::BeginMap;
    if (p.published) out << YAML::Key << "published" << YAML::Value << p.published;
    out << YAML::Key << "target" << YAML::Value << p.target;
    if (p.protocol != "tcp") out << YAML::Key << "protocol" << YAML::Value << p.protocol;
    if (!p.host_ip.empty()) out << YAML::Key << "host_ip" << YAML::Value << p.host_ip;
    out << YAML::Key << "mode" << YAML::Value << p.mode << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void write_volumes(YAML::Emitter& out, const std::vector<Volume>& volumes) {
  if (volumes.empty()) return;
  out << YAML::Key << "volumes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : volumes) {
    bool short_form = !v.shared && v.bind == looks_like_path(v.name) &&
                      v.name.find(':') == std::string::npos && v.target.find(':') == std::string::npos &&
                      !v.name.empty() && !v.target.empty();
    if (short_form) {
      out << v.name + ":" + v.target + (v.read_only ? ":ro" : "");
      continue;
    }
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << v.name << YAML::Key
        << "target" << YAML::Value << v.target;
    if (v.shared) out << YAML::Key << "shared" << YAML::Value << true;
    if (v.bind != looks_like_path(v.name)) out << YAML::Key << "bind" << YAML::Value << v.bind;
    if (v.read_only) out << YAML::Key << "read_only" << YAML::Value << true;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void write_healthcheck(YAML::Emitter& out, const HealthCheck& h) {
  const HealthCheck defaults;
  out << YAML::Key << "healthcheck" << YAML::Value << YAML::BeginMap;
  if (!h.test.empty()) out << YAML::Key << "test" << YAML::Value;
  if (h.test.empty()) {
    // the image's own test
  } else if (h.test.size() == 2 && h.test[0] == "CMD-SHELL")
    out << h.test[1];
  else {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& t : h.test) out << t;
    out << YAML::EndSeq;
  }
  if (h.interval != defaults.interval)
    out << YAML::Key << "interval" << YAML::Value << canonical_duration(h.interval);
  if (h.timeout != defaults.timeout)
    out << YAML::Key << "timeout" << YAML::Value << canonical_duration(h.timeout);
  if (h.start_period != defaults.start_period)
    out << YAML::Key << "start_period" << YAML::Value << canonical_duration(h.start_period);
  if (h.retries != defaults.retries) out << YAML::Key << "retries" << YAML::Value << h.retries;
  out << YAML::EndMap;
}

void write_placement(YAML::Emitter& out, const Placement& p) {
  if (p.pin.empty() && p.labels.empty() && !p.max_replicas_per_node && p.affinity.empty() &&
      p.anti_affinity.empty())
    return;
  out << YAML::Key << "placement" << YAML::Value << YAML::BeginMap;
  flow_list(out, "pin", p.pin);
  flow_map(out, "labels", p.labels);
  if (p.max_replicas_per_node) out << YAML::Key << "max_per_node" << YAML::Value << p.max_replicas_per_node;
  flow_list(out, "affinity", p.affinity);
  flow_list(out, "anti_affinity", p.anti_affinity);
  out << YAML::EndMap;
}

void write_data(YAML::Emitter& out, const DataSpec& d) {
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "engine" << YAML::Value << d.engine;
  flow_list(out, "databases", d.databases);
  if (d.size) out << YAML::Key << "size" << YAML::Value << canonical_bytes(d.size);
  if (d.replica_of) out << YAML::Key << "replica_of" << YAML::Value << *d.replica_of;
  out << YAML::EndMap;
}

void write_runtime(YAML::Emitter& out, const Runtime& rt) {
  if (!rt.environment.empty()) {
    out << YAML::Key << "environment" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, e] : rt.environment) {
      out << YAML::Key << name << YAML::Value;
      if (!e.secret.empty())
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "secret" << YAML::Value << e.secret
            << YAML::EndMap;
      else
        out << YAML::DoubleQuoted << e.value;
    }
    out << YAML::EndMap;
  }
  auto exec_form = [&](const char* key, const std::optional<std::vector<std::string>>& v) {
    if (!v) return;
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& a : *v) out << YAML::DoubleQuoted << a;
    out << YAML::EndSeq;
  };
  exec_form("entrypoint", rt.entrypoint);
  exec_form("command", rt.command);
  flow_map(out, "labels", rt.labels);
  flow_map(out, "deploy_labels", rt.deploy_labels);
  if (!rt.configs.empty()) {
    out << YAML::Key << "configs" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : rt.configs) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "source" << YAML::Value << c.source;
      if (!c.target.empty()) out << YAML::Key << "target" << YAML::Value << c.target;
      if (!c.file.empty()) out << YAML::Key << "file" << YAML::Value << c.file;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!rt.user.empty()) out << YAML::Key << "user" << YAML::Value << YAML::DoubleQuoted << rt.user;
  if (!rt.working_dir.empty()) out << YAML::Key << "working_dir" << YAML::Value << rt.working_dir;
  if (!rt.hostname.empty()) out << YAML::Key << "hostname" << YAML::Value << rt.hostname;
  flow_list(out, "cap_drop", rt.cap_drop);
  if (!rt.ulimits.empty()) {
    out << YAML::Key << "ulimits" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, u] : rt.ulimits)
      out << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "soft"
          << YAML::Value << u.soft << YAML::Key << "hard" << YAML::Value << u.hard << YAML::EndMap;
    out << YAML::EndMap;
  }
  flow_list(out, "tmpfs", rt.tmpfs);
  if (rt.stop_grace_period)
    out << YAML::Key << "stop_grace_period" << YAML::Value << canonical_duration(rt.stop_grace_period);
  if (!rt.stop_signal.empty()) out << YAML::Key << "stop_signal" << YAML::Value << rt.stop_signal;
  if (rt.init) out << YAML::Key << "init" << YAML::Value << *rt.init;
  if (rt.shm_size) out << YAML::Key << "shm_size" << YAML::Value << canonical_bytes(rt.shm_size);
  if (rt.logging) {
    out << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
    if (!rt.logging->driver.empty()) out << YAML::Key << "driver" << YAML::Value << rt.logging->driver;
    flow_map(out, "options", rt.logging->options);
    out << YAML::EndMap;
  }
}

void write_secrets(YAML::Emitter& out, const std::vector<SecretSource>& secrets) {
  if (secrets.empty()) return;
  out << YAML::Key << "secrets" << YAML::Value << YAML::BeginMap;
  for (const auto& s : secrets) {
    out << YAML::Key << s.name << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (!s.from.empty()) out << YAML::Key << "from" << YAML::Value << YAML::DoubleQuoted << s.from;
    if (!s.env_file.empty()) out << YAML::Key << "env_file" << YAML::Value << s.env_file;
    if (!s.file.empty()) out << YAML::Key << "file" << YAML::Value << s.file;
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void write_service(YAML::Emitter& out, const Service& s) {
  const Service defaults;
  const Resources& r = s.resources;
  out << YAML::Key << s.name << YAML::Value << YAML::BeginMap;
  if (!s.image.empty()) out << YAML::Key << "image" << YAML::Value << s.image;
  if (!s.stack.empty()) out << YAML::Key << "stack" << YAML::Value << s.stack;
  // A guessed category is written with its mark, so reading the file back keeps the importer's guess
  // (its list of images is longer than the model's) and later outputs can still say "guessed".
  out << YAML::Key << "category" << YAML::Value << to_string(s.category);
  if (s.category_guessed) out << YAML::Key << "category_guessed" << YAML::Value << true;
  if (s.tier != defaults.tier) out << YAML::Key << "tier" << YAML::Value << to_string(s.tier);
  out << YAML::Key << "memory" << YAML::Value << canonical_bytes(r.memory_reservation);
  if (r.memory_limit) out << YAML::Key << "limit" << YAML::Value << canonical_bytes(r.memory_limit);
  if (r.cpu_reservation) out << YAML::Key << "cpu" << YAML::Value << canonical_cpu(r.cpu_reservation);
  if (r.cpu_limit) out << YAML::Key << "cpu_limit" << YAML::Value << canonical_cpu(r.cpu_limit);
  if (r.estimated) out << YAML::Key << "estimated" << YAML::Value << true;
  if (r.measured) out << YAML::Key << "measured" << YAML::Value << true;
  if (s.replicas != defaults.replicas) out << YAML::Key << "replicas" << YAML::Value << s.replicas;
  if (s.global) out << YAML::Key << "global" << YAML::Value << true;
  if (s.spiky) out << YAML::Key << "spiky" << YAML::Value << true;
  if (s.stateful != s.data.has_value()) out << YAML::Key << "stateful" << YAML::Value << s.stateful;
  write_ports(out, s.ports);
  write_volumes(out, s.volumes);
  flow_list(out, "depends_on", s.depends_on);
  flow_list(out, "networks", s.networks);
  flow_list(out, "secrets", s.secrets);
  if (s.healthcheck) write_healthcheck(out, *s.healthcheck);
  write_placement(out, s.placement);
  flow_list(out, "cap_add", s.cap_add);
  if (s.read_only_root) out << YAML::Key << "read_only_root" << YAML::Value << true;
  if (s.restart != defaults.restart) out << YAML::Key << "restart" << YAML::Value << s.restart;
  if (s.data) write_data(out, *s.data);
  flow_map(out, "metrics", s.metrics);
  if (s.build && s.build->dockerfile.empty()) {
    out << YAML::Key << "build" << YAML::Value << s.build->context;
  } else if (s.build) {
    out << YAML::Key << "build" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "context"
        << YAML::Value << s.build->context << YAML::Key << "dockerfile" << YAML::Value << s.build->dockerfile
        << YAML::EndMap;
  }
  write_runtime(out, s.runtime);
  out << YAML::EndMap;
}

void write_backup(YAML::Emitter& out, const BackupSettings& b) {
  out << YAML::Key << "backup" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "schedule" << YAML::Value << YAML::DoubleQuoted << b.schedule;
  out << YAML::Key << "retention" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "daily" << YAML::Value << b.retention.daily << YAML::Key << "weekly" << YAML::Value
      << b.retention.weekly << YAML::Key << "monthly" << YAML::Value << b.retention.monthly;
  if (b.retention.yearly) out << YAML::Key << "yearly" << YAML::Value << b.retention.yearly;
  out << YAML::EndMap;
  if (!b.targets.empty()) {
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : b.targets)
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << t.name << YAML::Key
          << "kind" << YAML::Value << t.kind << YAML::Key << "medium" << YAML::Value << t.medium << YAML::Key
          << "location" << YAML::Value << t.location << YAML::EndMap;
    out << YAML::EndSeq;
  }
  flow_list(out, "volumes", b.volumes);
  flow_list(out, "git_mirrors", b.git_mirrors);
  if (!b.mirror_remote.empty()) out << YAML::Key << "mirror_remote" << YAML::Value << b.mirror_remote;
  out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const Estate& estate) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (!estate.name.empty()) out << YAML::Key << "name" << YAML::Value << estate.name;
  if (!estate.description.empty()) out << YAML::Key << "description" << YAML::Value << estate.description;
  out << YAML::Key << "headroom" << YAML::Value << share_text(estate.headroom);
  out << YAML::Key << "managers" << YAML::Value << estate.managers;
  if (!estate.registry.empty()) out << YAML::Key << "registry" << YAML::Value << estate.registry;
  out << YAML::Key << "servers" << YAML::Value << YAML::BeginMap;
  for (const auto& s : estate.servers) write_server(out, s);
  out << YAML::EndMap;
  if (!estate.networks.empty()) {
    out << YAML::Key << "networks" << YAML::Value << YAML::BeginMap;
    for (const auto& n : estate.networks) write_network(out, n);
    out << YAML::EndMap;
  }
  out << YAML::Key << "services" << YAML::Value << YAML::BeginMap;
  for (const auto& s : estate.services) write_service(out, s);
  out << YAML::EndMap;
  write_secrets(out, estate.secrets);
  write_backup(out, estate.backup);
  out << YAML::EndMap;
  if (!out.good())  // e.g. text that is not UTF-8: better no file than a wrong one
    throw UserError("cannot write the estate as YAML: " + out.GetLastError(),
                    "keep names, images and notes in plain UTF-8 text");
  return std::string(out.c_str()) + "\n";
}

}  // namespace rehome::model
