// stacks/<stack>.yml: Compose file format 3.8 for `docker stack deploy`.
#include <algorithm>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/images.hpp"
#include "generate/runtime.hpp"
#include "generate/yaml_writer.hpp"

namespace rehome::generate {
namespace {

std::string restart_condition(const std::string& restart) {
  if (restart == "on-failure" || restart == "none") return restart;
  return "any";  // any, always, unless-stopped: Swarm has one "restart whatever happened"
}

// The mode each port compose published beyond one address gets in the stack.
std::string port_mode(const Topology& t, const model::Service& s, const model::Port& p) {
  // The edge proxy listens on its own server's address only (host mode): the firewall opens 80/443
  // there and nowhere else, and the proxy sees real client addresses.
  return t.is_edge_proxy(s) && (p.published == 80 || p.published == 443) ? "host" : p.mode;
}

// A stateful service that publishes nothing on the routing mesh is reached by DNS round robin: its
// name resolves to its task's own overlay address, not to a virtual IP. The VIP is an IPVS balancer
// in every client's namespace, which drops a connection idle for 15 minutes (a database pool's
// connections are) and needs the ip_vs kernel module on every node (kernels built without it, as
// the test machine's is, time out every connection to a VIP). Swarm refuses dnsrr with ingress ports.
bool dns_round_robin(const Topology& t, const model::Service& s) {
  if (!s.stateful) return false;
  return std::none_of(s.ports.begin(), s.ports.end(),
                      [&](const model::Port& p) { return p.exposed() && port_mode(t, s, p) == "ingress"; });
}

void write_ports(YamlWriter& y, const Topology& t, const model::Service& s) {
  std::vector<const model::Port*> published;
  for (const auto& p : s.ports) {
    // A port compose bound to one address (127.0.0.1:13306:3306) is not published at all: Swarm's
    // long syntax has no host address, and both ingress and host mode listen on every address of
    // the node, which would open a private database to the network (see unpublished_note()).
    if (p.exposed()) published.push_back(&p);
  }
  if (published.empty()) return;
  y.key("ports").seq();
  for (const auto* p : published) {
    std::string mode = port_mode(t, s, *p);
    y.map().kv("target", p->target > 0 ? p->target : p->published).kv("published", p->published);
    y.kv("protocol", p->protocol).kv("mode", mode).end_map();
  }
  y.end_seq();
}

// tmpfs mounts: compose's `tmpfs:` paths (the top-level `tmpfs:` key is ignored by Swarm, a tmpfs
// mount is not), and shm_size as a tmpfs on /dev/shm (Swarm has no shm_size).
void write_tmpfs(YamlWriter& y, const std::string& spec) {
  std::string target = spec, size;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    target = spec.substr(0, colon);
    std::string opts = spec.substr(colon + 1);
    if (size_t at = opts.find("size="); at != std::string::npos)
      size = opts.substr(at + 5, opts.find(',', at) - at - 5);
  }
  y.map().kv("type", "tmpfs").kv("target", target);
  if (auto bytes = model::parse_bytes(size); bytes && *bytes > 0)
    y.key("tmpfs").map().kv("size", *bytes).end_map();
  y.end_map();
}

void write_volumes(YamlWriter& y, const model::Service& s) {
  const auto& rt = s.runtime;
  if (s.volumes.empty() && !s.read_only_root && rt.tmpfs.empty() && rt.shm_size == 0) return;
  y.key("volumes").seq();
  for (const auto& t : rt.tmpfs) write_tmpfs(y, t);
  if (rt.shm_size > 0)
    y.map()
        .kv("type", "tmpfs")
        .kv("target", "/dev/shm")
        .key("tmpfs")
        .map()
        .kv("size", rt.shm_size)
        .end_map()
        .end_map();
  for (const auto& v : s.volumes) {
    y.map().kv("type", v.bind ? "bind" : "volume").kv("source", v.name).kv("target", v.target);
    if (v.read_only) y.kv("read_only", true);
    y.end_map();
  }
  if (s.read_only_root) {
    // Read-only root: writable scratch space in memory only (the `tmpfs:` key is ignored by Swarm,
    // a tmpfs mount is not).
    for (const char* target : {"/tmp", "/run"}) {
      if (std::any_of(rt.tmpfs.begin(), rt.tmpfs.end(),
                      [&](const std::string& t) { return t.rfind(target, 0) == 0; }))
        continue;
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
  // No test: the image's own HEALTHCHECK, with these timings.
  if (!h.test.empty()) {
    std::vector<std::string> test;
    for (const auto& t : h.test) test.push_back(compose_escape(t));
    y.key("test").flow(test);
  }
  y.kv("interval", model::canonical_duration(h.interval));
  y.kv("timeout", model::canonical_duration(h.timeout));
  y.kv("retries", h.retries);
  if (h.start_period > 0) y.kv("start_period", model::canonical_duration(h.start_period));
  y.end_map();
}

void write_security(YamlWriter& y, const model::Service& s) {
  if (s.read_only_root) y.kv("read_only", true);
  // Compose's own cap_drop, plus a default the official database images survive (runtime.hpp).
  y.key("cap_drop").flow(cap_drop_of(s));
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
  const model::Bytes memory_limit = effective_memory_limit(s);
  y.key("resources").map();
  if (r.cpu_limit > 0 || memory_limit > 0) {
    y.key("limits").map();
    if (r.cpu_limit > 0) y.kv("cpus", decimal_cpus(r.cpu_limit));
    if (memory_limit > 0) y.kv("memory", model::canonical_bytes(memory_limit));
    y.end_map();
  }
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
  if (dns_round_robin(t, s)) y.kv("endpoint_mode", "dnsrr");
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
  // Service labels: compose's deploy.labels (Traefik on Swarm reads these), then rehome's own.
  y.key("labels").map();
  for (const auto& [k, v] : s.runtime.deploy_labels)
    if (k.rfind("rehome.", 0) != 0) y.key(k).value(compose_escape(v));
  y.kv("rehome.category", model::to_string(s.category)).kv("rehome.tier", model::to_string(s.tier));
  if (s.stateful) y.kv("rehome.stateful", "true");
  y.end_map();
  y.end_map();
}

std::vector<std::string> escaped(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(compose_escape(w));
  return out;
}

// environment, command, entrypoint, user, ... as compose wrote them; secrets as references only.
void write_runtime(YamlWriter& y, const model::Service& s) {
  const auto& rt = s.runtime;
  const bool shim = needs_env_shim(s);
  if (shim) {
    bool known = false;
    y.key("entrypoint").flow(escaped(shim_entrypoint(s, known)));
    if (rt.command) y.key("command").flow(escaped(*rt.command));
  } else {
    if (rt.entrypoint) y.key("entrypoint").flow(escaped(*rt.entrypoint));
    if (rt.command) y.key("command").flow(escaped(*rt.command));
  }
  auto secret_env = secret_environment(s);
  if (!rt.environment.empty()) {
    y.key("environment").map();
    std::string shim_pairs;
    for (const auto& [var, e] : rt.environment) {
      if (e.secret.empty()) {
        y.key(var).value(compose_escape(e.value));
      } else if (reads_file_variant(s.image, var)) {
        y.key(var + "_FILE").value("/run/secrets/" + e.secret);
      } else {
        shim_pairs += (shim_pairs.empty() ? "" : " ") + var + "=/run/secrets/" + e.secret;
      }
    }
    if (!shim_pairs.empty()) y.key("REHOME_SECRET_ENV").value(shim_pairs);
    y.end_map();
  }
  if (!rt.labels.empty()) {
    y.key("labels").map();
    for (const auto& [k, v] : rt.labels) y.key(k).value(compose_escape(v));
    y.end_map();
  }
  if (!rt.user.empty()) y.key("user").quoted(rt.user);
  if (!rt.working_dir.empty()) y.kv("working_dir", rt.working_dir);
  if (!rt.hostname.empty()) y.kv("hostname", rt.hostname);
  if (rt.init) y.kv("init", *rt.init);
  if (rt.stop_grace_period > 0) y.kv("stop_grace_period", model::canonical_duration(rt.stop_grace_period));
  if (!rt.stop_signal.empty()) y.kv("stop_signal", rt.stop_signal);
  if (!rt.ulimits.empty()) {
    y.key("ulimits").map();
    for (const auto& [name, u] : rt.ulimits)
      y.key(name)
          .map()
          .kv("soft", static_cast<std::int64_t>(u.soft))
          .kv("hard", static_cast<std::int64_t>(u.hard))
          .end_map();
    y.end_map();
  }
  if (rt.logging) {
    y.key("logging").map();
    if (!rt.logging->driver.empty()) y.kv("driver", rt.logging->driver);
    if (!rt.logging->options.empty()) {
      y.key("options").map();
      for (const auto& [k, v] : rt.logging->options) y.key(k).value(compose_escape(v));
      y.end_map();
    }
    y.end_map();
  }
  if (!rt.configs.empty() || shim) {
    y.key("configs").seq();
    for (const auto& c : rt.configs) {
      y.map().kv("source", c.source);
      if (!c.target.empty()) y.kv("target", c.target);
      y.end_map();
    }
    if (shim) y.map().kv("source", kShimConfig).kv("target", kShimPath).end_map();
    y.end_seq();
  }
}

void write_service(YamlWriter& y, const Topology& t, const model::Service& s) {
  y.key(s.name).map();
  y.kv("image", deployed_image(t.estate(), s));
  auto nets = t.networks_of(s);
  if (!nets.empty()) y.key("networks").block(nets);
  write_ports(y, t, s);
  write_volumes(y, s);
  if (!s.secrets.empty()) y.key("secrets").block(s.secrets);
  write_runtime(y, s);
  write_healthcheck(y, s);
  write_security(y, s);
  write_deploy(y, t, s);
  y.end_map();
}

// Header lines naming the ports compose kept on one address, which the stack leaves unpublished.
std::string unpublished_note(const std::vector<const model::Service*>& services) {
  std::string note;
  for (const auto* s : services)
    for (const auto& p : s->ports)
      if (p.bound_to_address())
        note += fmt::format("#   {}: {}:{} -> {}/{} (compose published it on {} only)\n", s->name, p.host_ip,
                            p.published, p.target, p.protocol, p.host_ip);
  if (note.empty()) return note;
  return "# Not published (private in compose; Swarm cannot bind a port to one address, so it stays on\n"
         "# the overlay network only: reach it from another service by name, or through\n"
         "# `docker exec` / an SSH tunnel on the node that runs it):\n" +
         note;
}

// Header lines naming services whose secrets go through the shim without a known entrypoint.
std::string shim_note(const std::vector<const model::Service*>& services) {
  std::string note;
  for (const auto* s : services) {
    if (!needs_env_shim(*s)) continue;
    bool known = false;
    shim_entrypoint(*s, known);
    if (!known)
      note += fmt::format(
          "#   {0}: the entrypoint of {1} is not known to rehome: set `entrypoint:` for {0} in the estate "
          "to\n"
          "#     what `docker image inspect -f '{{{{json .Config.Entrypoint}}}}' {1}` prints, then generate "
          "again\n",
          s->name, s->image);
  }
  if (note.empty()) return note;
  return "# Secrets reach these services through " + std::string(kShimPath) + " (config " + kShimConfig +
         "), which must exec the image's own entrypoint:\n" + note;
}

}  // namespace

model::Bytes effective_memory_limit(const model::Service& s) {
  const auto& r = s.resources;
  if (r.memory_limit > 0) return std::max(r.memory_limit, r.memory_reservation);
  // A reservation that is a category guess (nothing declared, nothing measured) is no ground for a
  // limit: a Java broker guessed at 256M must not be capped at 512M. No limit, as compose had none.
  if (r.estimated || r.memory_reservation <= 0) return 0;
  return std::max(2 * r.memory_reservation, r.memory_reservation + 256 * model::MiB);
}

std::string stack_file(const Topology& t, const std::string& stack) {
  const auto& services = t.stacks().at(stack);
  std::set<std::string> networks, volumes, secrets;
  std::map<std::string, std::string> configs;  // name -> host file ("" = external)
  for (const auto* s : services) {
    for (const auto& c : s->runtime.configs) configs[c.source] = c.file;
    if (needs_env_shim(*s)) configs[kShimConfig] = "./rehome-env.sh";
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
    // Created before the deploy (`rehome secrets create` or bootstrap.sh): values never in this file.
    y.key("secrets").map();
    for (const auto& s : secrets) y.key(s).map().kv("external", true).end_map();
    y.end_map();
  }
  if (!configs.empty()) {
    y.key("configs").map();
    for (const auto& [name, file] : configs) {
      if (file.empty())
        y.key(name).map().kv("external", true).end_map();
      else
        y.key(name).map().kv("file", file).end_map();
    }
    y.end_map();
  }
  y.end_map();
  return generated_header(t) + unpublished_note(services) + shim_note(services) +
         fmt::format("# Deploy: docker stack deploy --prune --with-registry-auth -c stacks/{0}.yml {0}\n",
                     stack) +
         y.str();
}

Files stack_files(const Topology& t) {
  Files files;
  bool shim = false;
  for (const auto& [stack, services] : t.stacks()) {
    files["stacks/" + stack + ".yml"] = stack_file(t, stack);
    for (const auto* s : services) shim = shim || needs_env_shim(*s);
  }
  if (shim) files["stacks/rehome-env.sh"] = env_shim_script();
  return files;
}

}  // namespace rehome::generate
