// stacks/<stack>.yml: Compose file format 3.8 for `docker stack deploy`.
#include <algorithm>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/images.hpp"
#include "generate/yaml_writer.hpp"

namespace rehome::generate {
namespace {

std::string restart_condition(const std::string& restart) {
  if (restart == "on-failure" || restart == "none") return restart;
  return "any";  // any, always, unless-stopped: Swarm has one "restart whatever happened"
}

void write_ports(YamlWriter& y, const Topology& t, const model::Service& s) {
  std::vector<const model::Port*> published;
  for (const auto& p : s.ports) {
    if (p.published > 0) published.push_back(&p);
  }
  if (published.empty()) return;
  y.key("ports").seq();
  for (const auto* p : published) {
    // The edge proxy listens on its own server's address only (host mode): the firewall opens 80/443
    // there and nowhere else, and the proxy sees real client addresses.
    std::string mode = t.is_edge_proxy(s) && (p->published == 80 || p->published == 443) ? "host" : p->mode;
    y.map().kv("target", p->target > 0 ? p->target : p->published).kv("published", p->published);
    y.kv("protocol", p->protocol).kv("mode", mode).end_map();
  }
  y.end_seq();
}

void write_volumes(YamlWriter& y, const model::Service& s) {
  if (s.volumes.empty() && !s.read_only_root) return;
  y.key("volumes").seq();
  for (const auto& v : s.volumes) {
    y.map().kv("type", v.bind ? "bind" : "volume").kv("source", v.name).kv("target", v.target);
    if (v.read_only) y.kv("read_only", true);
    y.end_map();
  }
  if (s.read_only_root) {
    // Read-only root: writable scratch space in memory only (the `tmpfs:` key is ignored by Swarm,
    // a tmpfs mount is not).
    for (const char* target : {"/tmp", "/run"}) {
      y.map()
          .kv("type", "tmpfs")
          .kv("target", target)
          .key("tmpfs")
          .map()
          .kv("size", 64 * model::MiB)
          .end_map();
      y.end_map();
    }
  }
  y.end_seq();
}

void write_healthcheck(YamlWriter& y, const model::Service& s) {
  if (!s.healthcheck) return;
  const auto& h = *s.healthcheck;
  y.key("healthcheck").map();
  y.key("test").flow(h.test);
  y.kv("interval", model::canonical_duration(h.interval));
  y.kv("timeout", model::canonical_duration(h.timeout));
  y.kv("retries", h.retries);
  if (h.start_period > 0) y.kv("start_period", model::canonical_duration(h.start_period));
  y.end_map();
}

void write_security(YamlWriter& y, const model::Service& s) {
  if (s.read_only_root) y.kv("read_only", true);
  y.key("cap_drop").flow({"ALL"});
  if (!s.cap_add.empty()) {
    std::vector<std::string> caps = s.cap_add;
    std::sort(caps.begin(), caps.end());
    y.key("cap_add").flow(caps);
  }
  // Swarm services ignore security_opt (docs/generate.md): kept for `docker compose` runs; on a
  // Swarm, set "no-new-privileges": true in every node's /etc/docker/daemon.json (README.md says so).
  y.key("security_opt").flow({"no-new-privileges:true"});
}

void write_resources(YamlWriter& y, const model::Service& s) {
  const auto& r = s.resources;
  y.key("resources").map();
  y.key("limits").map();
  if (r.cpu_limit > 0) y.kv("cpus", decimal_cpus(r.cpu_limit));
  y.kv("memory", model::canonical_bytes(effective_memory_limit(s)));
  y.end_map();
  if (r.memory_reservation > 0 || r.cpu_reservation > 0) {
    y.key("reservations").map();
    if (r.cpu_reservation > 0) y.kv("cpus", decimal_cpus(r.cpu_reservation));
    if (r.memory_reservation > 0) y.kv("memory", model::canonical_bytes(r.memory_reservation));
    y.end_map();
  }
  y.end_map();
}

void write_deploy(YamlWriter& y, const Topology& t, const model::Service& s) {
  const auto& p = t.placement(s.name);
  y.key("deploy").map();
  if (s.global) {
    y.kv("mode", "global");
  } else {
    y.kv("mode", "replicated").kv("replicas", s.replicas);
  }
  if (!p.constraints.empty() || p.max_replicas_per_node > 0) {
    y.key("placement").map();
    if (!p.constraints.empty()) y.key("constraints").block(p.constraints);
    if (p.max_replicas_per_node > 0 && !s.global) y.kv("max_replicas_per_node", p.max_replicas_per_node);
    y.end_map();
  }
  write_resources(y, s);
  y.key("restart_policy").map().kv("condition", restart_condition(s.restart)).kv("delay", "5s");
  if (s.restart == "on-failure") y.kv("max_attempts", 5);
  y.kv("window", "120s").end_map();
  // Stateless: start the new task before stopping the old one (no gap). Stateful: never two
  // writers on the same data, so stop first.
  const char* order = s.stateful ? "stop-first" : "start-first";
  y.key("update_config").map().kv("parallelism", 1).kv("delay", "10s").kv("failure_action", "rollback");
  y.kv("monitor", "30s").kv("max_failure_ratio", 0).kv("order", order).end_map();
  y.key("rollback_config").map().kv("parallelism", 1).kv("delay", "0s").kv("failure_action", "pause");
  y.kv("monitor", "30s").kv("order", order).end_map();
  y.key("labels").map();
  y.kv("rehome.category", model::to_string(s.category)).kv("rehome.tier", model::to_string(s.tier));
  if (s.stateful) y.kv("rehome.stateful", "true");
  y.end_map();
  y.end_map();
}

void write_service(YamlWriter& y, const Topology& t, const model::Service& s) {
  y.key(s.name).map();
  y.kv("image", deployed_image(t.estate(), s));
  auto nets = t.networks_of(s);
  if (!nets.empty()) y.key("networks").block(nets);
  write_ports(y, t, s);
  write_volumes(y, s);
  if (!s.secrets.empty()) y.key("secrets").block(s.secrets);
  write_healthcheck(y, s);
  write_security(y, s);
  write_deploy(y, t, s);
  y.end_map();
}

}  // namespace

model::Bytes effective_memory_limit(const model::Service& s) {
  const auto& r = s.resources;
  if (r.memory_limit > 0) return std::max(r.memory_limit, r.memory_reservation);
  if (r.memory_reservation <= 0) return 512 * model::MiB;
  return std::max(2 * r.memory_reservation, r.memory_reservation + 256 * model::MiB);
}

std::string stack_file(const Topology& t, const std::string& stack) {
  const auto& services = t.stacks().at(stack);
  std::set<std::string> networks, volumes, secrets;
  for (const auto* s : services) {
    for (const auto& n : t.networks_of(*s)) networks.insert(n);
    for (const auto& v : s->volumes) {
      if (!v.bind) volumes.insert(v.name);
    }
    secrets.insert(s->secrets.begin(), s->secrets.end());
  }

  YamlWriter y;
  y.map().kv("version", "3.8");
  y.key("services").map();
  for (const auto* s : services) write_service(y, t, *s);
  y.end_map();
  if (!networks.empty()) {
    // Created once by bootstrap.sh (with encryption and internal flags), shared by every stack.
    y.key("networks").map();
    for (const auto& n : networks) y.key(n).map().kv("external", true).end_map();
    y.end_map();
  }
  if (!volumes.empty()) {
    y.key("volumes").map();
    for (const auto& v : volumes) y.key(v).empty_map();
    y.end_map();
  }
  if (!secrets.empty()) {
    y.key("secrets").map();
    for (const auto& s : secrets) y.key(s).map().kv("external", true).end_map();
    y.end_map();
  }
  y.end_map();
  return generated_header(t) +
         fmt::format("# Deploy: docker stack deploy --prune --with-registry-auth -c stacks/{0}.yml {0}\n",
                     stack) +
         y.str();
}

Files stack_files(const Topology& t) {
  Files files;
  for (const auto& [stack, services] : t.stacks()) files["stacks/" + stack + ".yml"] = stack_file(t, stack);
  return files;
}

}  // namespace rehome::generate
