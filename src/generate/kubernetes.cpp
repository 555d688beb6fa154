// k8s/: the same plan as Kubernetes manifests, for the day the estate outgrows Swarm. Placement is
// the plan's (nodeAffinity on kubernetes.io/hostname), networks become NetworkPolicies, secrets are
// referenced (created out of band, like `docker secret create`), and mounted where Swarm mounts them
// (/run/secrets/<name>) so images need no change.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/images.hpp"
#include "generate/runtime.hpp"
#include "generate/yaml_writer.hpp"

namespace rehome::generate {
namespace {

std::string quantity(model::Bytes bytes) {
  if (bytes > 0 && bytes % model::GiB == 0) return fmt::format("{}Gi", bytes / model::GiB);
  if (bytes > 0 && bytes % model::MiB == 0) return fmt::format("{}Mi", bytes / model::MiB);
  if (bytes > 0 && bytes % model::KiB == 0) return fmt::format("{}Ki", bytes / model::KiB);
  return fmt::format("{}", bytes);
}

int seconds(model::Millis ms) { return static_cast<int>(std::max<model::Millis>(1, (ms + 999) / 1000)); }

std::string network_label(const std::string& network) { return "rehome.network/" + slug(network); }

// Storage asked for each claim: twice the data the estate declares (room to grow), at least 1 GiB.
model::Bytes claim_size(const model::Service& s) {
  model::Bytes data = s.data ? s.data->size : 0;
  model::Bytes size = std::max<model::Bytes>(model::GiB, 2 * data);
  return (size + model::GiB - 1) / model::GiB * model::GiB;
}

void metadata(YamlWriter& y, const std::string& name, const std::string& ns,
              const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  y.key("metadata").map().kv("name", name).kv("namespace", ns);
  if (!labels.empty()) {
    y.key("labels").map();
    for (const auto& [k, v] : labels) y.key(k).quoted(v);
    y.end_map();
  }
  y.end_map();
}

// Opens a NetworkPolicy up to its spec, selecting the pods labelled `key: value`; the caller adds
// policyTypes and the rules, then closes spec and the document.
void open_network_policy(YamlWriter& y, const std::string& name, const std::string& ns,
                         const std::string& key, const std::string& value) {
  y.map().kv("apiVersion", "networking.k8s.io/v1").kv("kind", "NetworkPolicy");
  metadata(y, name, ns);
  y.key("spec").map().key("podSelector").map().key("matchLabels").map().key(key).quoted(value);
  y.end_map().end_map();
}

// `<key>: {matchLabels: {app.kubernetes.io/name: <name>}}`: a workload's own pods.
void match_pods_named(YamlWriter& y, const std::string& key, const std::string& name) {
  y.key(key).map().key("matchLabels").map().key("app.kubernetes.io/name").quoted(name).end_map().end_map();
}

void probe(YamlWriter& y, const std::string& key, const model::Service& s, bool liveness) {
  if (s.healthcheck && !s.healthcheck->test.empty() && s.healthcheck->test.front() != "NONE") {
    const auto& h = *s.healthcheck;
    std::vector<std::string> command;
    if (h.test.front() == "CMD-SHELL")
      command = {"/bin/sh", "-c", h.test.size() > 1 ? h.test[1] : "true"};
    else if (h.test.front() == "CMD")
      command.assign(h.test.begin() + 1, h.test.end());
    else
      command = h.test;
    y.key(key).map().key("exec").map().key("command").flow(command).end_map();
    y.kv("periodSeconds", seconds(h.interval)).kv("timeoutSeconds", seconds(h.timeout));
    y.kv("failureThreshold", liveness ? std::max(1, h.retries) : 1);
    if (liveness && h.start_period > 0) y.kv("initialDelaySeconds", seconds(h.start_period));
    y.end_map();
    return;
  }
  for (const auto& p : s.ports) {
    int port = p.target > 0 ? p.target : p.published;
    if (port <= 0 || p.protocol != "tcp") continue;
    y.key(key).map().key("tcpSocket").map().kv("port", port).end_map();
    y.kv("periodSeconds", 10).kv("failureThreshold", liveness ? 3 : 1).end_map();
    return;
  }
}

bool uses_claims(const model::Service& s) { return s.stateful; }

// "82:82" -> {82, 82}; names ("www-data") cannot be expressed: nullopt.
std::optional<std::pair<long, long>> numeric_user(const std::string& user) {
  auto number = [](const std::string& t) -> std::optional<long> {
    if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 9)
      return std::nullopt;
    return std::stol(t);
  };
  size_t colon = user.find(':');
  auto uid = number(user.substr(0, colon));
  if (!uid) return std::nullopt;
  if (colon == std::string::npos) return std::pair<long, long>{*uid, -1};
  auto gid = number(user.substr(colon + 1));
  if (!gid) return std::nullopt;
  return std::pair<long, long>{*uid, *gid};
}

std::string config_volume(const std::string& config) { return "config-" + slug(config); }

// Compose's environment, command and entrypoint; secrets by secretKeyRef (Secret <name>, key
// "value", created at deploy), never their values.
void container_runtime(YamlWriter& y, const model::Service& s) {
  const auto& rt = s.runtime;
  if (rt.entrypoint) y.key("command").flow(*rt.entrypoint);  // Kubernetes' command is the entrypoint
  if (rt.command) y.key("args").flow(*rt.command);
  if (!rt.working_dir.empty()) y.kv("workingDir", rt.working_dir);
  if (rt.environment.empty()) return;
  y.key("env").seq();
  for (const auto& [var, e] : rt.environment) {
    y.map().kv("name", var);
    if (e.secret.empty()) {
      y.key("value").quoted(e.value);
    } else {
      y.key("valueFrom").map().key("secretKeyRef").map().kv("name", slug(e.secret)).kv("key", "value");
      y.end_map().end_map();
    }
    y.end_map();
  }
  y.end_seq();
}

void container(YamlWriter& y, const Topology& t, const model::Service& s) {
  const auto& r = s.resources;
  y.seq().map().kv("name", slug(s.name)).kv("image", deployed_image(t.estate(), s));
  container_runtime(y, s);
  std::vector<const model::Port*> ports;
  for (const auto& p : s.ports) {
    if (p.target > 0 || p.published > 0) ports.push_back(&p);
  }
  if (!ports.empty()) {
    y.key("ports").seq();
    for (const auto* p : ports) {
      std::string protocol = p->protocol == "udp" ? "UDP" : "TCP";
      y.map()
          .kv("containerPort", p->target > 0 ? p->target : p->published)
          .kv("protocol", protocol)
          .end_map();
    }
    y.end_seq();
  }
  y.key("resources").map();
  y.key("requests").map();
  if (r.cpu_reservation > 0) y.kv("cpu", model::canonical_cpu(r.cpu_reservation));
  y.kv("memory", quantity(std::max<model::Bytes>(r.memory_reservation, 16 * model::MiB))).end_map();
  if (const model::Bytes memory_limit = effective_memory_limit(s); r.cpu_limit > 0 || memory_limit > 0) {
    y.key("limits").map();
    if (r.cpu_limit > 0) y.kv("cpu", model::canonical_cpu(r.cpu_limit));
    if (memory_limit > 0) y.kv("memory", quantity(memory_limit));
    y.end_map();
  }
  y.end_map();
  probe(y, "livenessProbe", s, true);
  probe(y, "readinessProbe", s, false);
  y.key("securityContext").map().kv("allowPrivilegeEscalation", false);
  y.kv("readOnlyRootFilesystem", s.read_only_root);
  if (auto user = numeric_user(s.runtime.user)) {
    y.kv("runAsUser", static_cast<std::int64_t>(user->first));
    if (user->second >= 0) y.kv("runAsGroup", static_cast<std::int64_t>(user->second));
  }
  y.key("capabilities").map().key("drop").flow(cap_drop_of(s));
  if (!s.cap_add.empty()) {
    auto caps = s.cap_add;
    std::sort(caps.begin(), caps.end());
    y.key("add").flow(caps);
  }
  y.end_map().end_map();

  const auto& rt = s.runtime;
  bool mounts = !s.volumes.empty() || !s.secrets.empty() || s.read_only_root || !rt.tmpfs.empty() ||
                rt.shm_size > 0 || !rt.configs.empty();
  if (mounts) {
    y.key("volumeMounts").seq();
    for (size_t i = 0; i < rt.tmpfs.size(); ++i)
      y.map()
          .kv("name", fmt::format("tmpfs-{}", i))
          .kv("mountPath", rt.tmpfs[i].substr(0, rt.tmpfs[i].find(':')))
          .end_map();
    if (rt.shm_size > 0) y.map().kv("name", "shm").kv("mountPath", "/dev/shm").end_map();
    for (const auto& c : rt.configs)
      y.map()
          .kv("name", config_volume(c.source))
          .kv("mountPath", c.target.empty() ? "/" + c.source : c.target)
          .kv("subPath", "value")
          .kv("readOnly", true)
          .end_map();
    for (const auto& v : s.volumes) {
      y.map().kv("name", slug(v.name)).kv("mountPath", v.target);
      if (v.read_only) y.kv("readOnly", true);
      y.end_map();
    }
    if (s.read_only_root) {
      y.map().kv("name", "tmp").kv("mountPath", "/tmp").end_map();
      y.map().kv("name", "run").kv("mountPath", "/run").end_map();
    }
    if (!s.secrets.empty())
      y.map().kv("name", "secrets").kv("mountPath", "/run/secrets").kv("readOnly", true).end_map();
    y.end_seq();
  }
  y.end_map().end_seq();
  (void)t;
}

void pod_volumes(YamlWriter& y, const model::Service& s) {
  std::vector<const model::Volume*> pod_level;
  for (const auto& v : s.volumes) {
    if (v.bind || !uses_claims(s)) pod_level.push_back(&v);
  }
  const auto& rt = s.runtime;
  if (pod_level.empty() && s.secrets.empty() && !s.read_only_root && rt.tmpfs.empty() && rt.shm_size == 0 &&
      rt.configs.empty())
    return;
  y.key("volumes").seq();
  for (size_t i = 0; i < rt.tmpfs.size(); ++i)
    y.map()
        .kv("name", fmt::format("tmpfs-{}", i))
        .key("emptyDir")
        .map()
        .kv("medium", "Memory")
        .end_map()
        .end_map();
  if (rt.shm_size > 0)
    y.map()
        .kv("name", "shm")
        .key("emptyDir")
        .map()
        .kv("medium", "Memory")
        .kv("sizeLimit", quantity(rt.shm_size))
        .end_map()
        .end_map();
  // A ConfigMap per config (key "value", created at deploy from the config's file).
  for (const auto& c : rt.configs)
    y.map()
        .kv("name", config_volume(c.source))
        .key("configMap")
        .map()
        .kv("name", slug(c.source))
        .end_map()
        .end_map();
  for (const auto* v : pod_level) {
    y.map().kv("name", slug(v->name));
    if (v->bind) {
      y.key("hostPath").map().kv("path", v->name).end_map();  // pinned by nodeAffinity, like the bind mount
    } else if (v->shared) {
      y.key("persistentVolumeClaim").map().kv("claimName", slug(v->name)).end_map();
    } else {
      y.key("emptyDir").empty_map();  // stateless scratch: lost with the pod, as on Swarm when it moves
    }
    y.end_map();
  }
  if (s.read_only_root) {
    for (const char* scratch : {"tmp", "run"}) {
      y.map().kv("name", scratch).key("emptyDir").map().kv("medium", "Memory").kv("sizeLimit", "64Mi");
      y.end_map().end_map();
    }
  }
  if (!s.secrets.empty()) {
    // One folder with every secret as a file, as Swarm mounts them. Each Secret holds key "value".
    y.map().kv("name", "secrets").key("projected").map().key("sources").seq();
    for (const auto& secret : s.secrets) {
      y.map().key("secret").map().kv("name", slug(secret)).key("items").seq();
      y.map().kv("key", "value").kv("path", secret).end_map().end_seq().end_map().end_map();
    }
    y.end_seq().end_map().end_map();
  }
  y.end_seq();
}

std::string workload(const Topology& t, const model::Service& s, const std::string& ns) {
  const auto& placement = t.placement(s.name);
  const std::string name = slug(s.name);
  std::string doc;

  // Shared (network storage) volumes of stateless services: one ReadWriteMany claim each.
  for (const auto& v : s.volumes) {
    if (v.bind || !v.shared || uses_claims(s)) continue;
    YamlWriter c;
    c.map().kv("apiVersion", "v1").kv("kind", "PersistentVolumeClaim");
    metadata(c, slug(v.name), ns, {{"app.kubernetes.io/name", name}});
    c.key("spec").map().key("accessModes").flow({"ReadWriteMany"});
    c.key("resources").map().key("requests").map().kv("storage", quantity(claim_size(s))).end_map().end_map();
    c.end_map().end_map();
    doc += "---\n" + c.str();
  }

  YamlWriter y;
  y.map()
      .kv("apiVersion", "apps/v1")
      .kv("kind", s.stateful ? "StatefulSet" : (s.global ? "DaemonSet" : "Deployment"));
  metadata(y, name, ns,
           {{"app.kubernetes.io/name", name},
            {"app.kubernetes.io/part-of", t.stack_of(s.name)},
            {"rehome/tier", model::to_string(s.tier)}});
  y.key("spec").map();
  if (!s.global || s.stateful)
    y.kv("replicas", s.global ? static_cast<int>(placement.servers.size()) : s.replicas);
  if (s.stateful) y.kv("serviceName", name);
  match_pods_named(y, "selector", name);
  if (!s.stateful && !s.global) {
    // Like Swarm's update_config: one at a time, new pod first.
    y.key("strategy").map().kv("type", "RollingUpdate").key("rollingUpdate").map();
    y.kv("maxUnavailable", 0).kv("maxSurge", 1).end_map().end_map();
  }
  y.key("template").map().key("metadata").map().key("labels").map();
  y.key("app.kubernetes.io/name").quoted(name);
  for (const auto& n : t.networks_of(s)) y.key(network_label(n)).quoted("true");
  y.end_map().end_map();
  y.key("spec").map();
  y.key("affinity")
      .map()
      .key("nodeAffinity")
      .map()
      .key("requiredDuringSchedulingIgnoredDuringExecution")
      .map();
  y.key("nodeSelectorTerms").seq().map().key("matchExpressions").seq();
  y.map()
      .kv("key", "kubernetes.io/hostname")
      .kv("operator", "In")
      .key("values")
      .flow(placement.allowed)  // the plan's policy: pinned with local state, else every allowed server
      .end_map();
  for (const auto& [k, v] : s.placement.labels)
    y.map().kv("key", k).kv("operator", "In").key("values").flow({v}).end_map();
  y.end_seq().end_map().end_seq().end_map().end_map();
  if (placement.max_replicas_per_node == 1 && !s.global) {
    y.key("podAntiAffinity").map().key("requiredDuringSchedulingIgnoredDuringExecution").seq().map();
    match_pods_named(y, "labelSelector", name);
    y.kv("topologyKey", "kubernetes.io/hostname").end_map().end_seq().end_map();
  }
  y.end_map();
  y.kv("automountServiceAccountToken", false);
  if (s.runtime.stop_grace_period > 0)
    y.kv("terminationGracePeriodSeconds", seconds(s.runtime.stop_grace_period));
  if (!s.runtime.hostname.empty()) y.kv("hostname", slug(s.runtime.hostname));
  y.key("containers");
  container(y, t, s);
  pod_volumes(y, s);
  y.end_map().end_map();  // template.spec, template
  if (uses_claims(s)) {
    std::vector<const model::Volume*> claims;
    for (const auto& v : s.volumes) {
      if (!v.bind) claims.push_back(&v);
    }
    if (!claims.empty()) {
      y.key("volumeClaimTemplates").seq();
      for (const auto* v : claims) {
        y.map().key("metadata").map().kv("name", slug(v->name)).end_map();
        y.key("spec").map().key("accessModes").flow({v->shared ? "ReadWriteMany" : "ReadWriteOnce"});
        y.key("resources")
            .map()
            .key("requests")
            .map()
            .kv("storage", quantity(claim_size(s)))
            .end_map()
            .end_map();
        y.end_map().end_map();
      }
      y.end_seq();
    }
  }
  y.end_map().end_map();
  doc += "---\n" + y.str();

  // The Service: a stable name (headless for StatefulSets, so each replica has its own DNS name).
  std::vector<const model::Port*> ports;
  for (const auto& p : s.ports) {
    if (p.target > 0 || p.published > 0) ports.push_back(&p);
  }
  {
    // Every workload gets a Service, so its name resolves as on the overlay: headless (clusterIP:
    // None) for StatefulSets and for services that declare no port (DNS only, no placeholder port).
    YamlWriter v;
    v.map().kv("apiVersion", "v1").kv("kind", "Service");
    metadata(v, name, ns, {{"app.kubernetes.io/name", name}});
    v.key("spec").map();
    if (s.stateful || ports.empty()) v.kv("clusterIP", "None");
    v.key("selector").map().key("app.kubernetes.io/name").quoted(name).end_map();
    if (!ports.empty()) v.key("ports").seq();
    for (const auto* p : ports) {
      int target = p->target > 0 ? p->target : p->published;
      // A ClusterIP port is reachable inside the cluster only, as the overlay is; a port compose
      // bound to one address keeps its container port and is never exposed further.
      int port = p->exposed() ? p->published : target;
      v.map().kv("name", fmt::format("{}-{}", p->protocol, port)).kv("port", port).kv("targetPort", target);
      v.kv("protocol", p->protocol == "udp" ? "UDP" : "TCP").end_map();
    }
    if (!ports.empty()) v.end_seq();
    v.end_map().end_map();
    doc += "---\n" + v.str();
  }
  return doc;
}

std::string network_policies(const Topology& t, const std::string& ns) {
  std::string doc;
  {
    YamlWriter y;  // nothing gets in unless a policy below lets it
    y.map().kv("apiVersion", "networking.k8s.io/v1").kv("kind", "NetworkPolicy");
    metadata(y, "default-deny-ingress", ns);
    y.key("spec")
        .map()
        .key("podSelector")
        .empty_map()
        .key("policyTypes")
        .flow({"Ingress"})
        .end_map()
        .end_map();
    doc += "---\n" + y.str();
  }
  for (const auto& n : t.networks()) {
    if (n.public_) continue;
    // Pods on the same Swarm network may talk to each other, as on the overlay.
    YamlWriter y;
    open_network_policy(y, "network-" + slug(n.name), ns, network_label(n.name), "true");
    y.key("policyTypes").flow({"Ingress"});
    y.key("ingress").seq().map().key("from").seq().map().key("podSelector").map().key("matchLabels").map();
    y.key(network_label(n.name)).quoted("true").end_map().end_map().end_map().end_seq().end_map().end_seq();
    y.end_map().end_map();
    doc += "---\n" + y.str();
  }
  for (const auto& s : t.estate().services) {
    auto nets = t.networks_of(s);
    bool all_internal = !nets.empty() && std::all_of(nets.begin(), nets.end(), [&](const std::string& n) {
      const auto* spec = t.network(n);
      return spec && spec->internal;
    });
    if (t.is_edge_proxy(s)) {
      YamlWriter y;  // the edge proxy takes traffic from anywhere on its published ports
      open_network_policy(y, "edge-" + slug(s.name), ns, "app.kubernetes.io/name", slug(s.name));
      y.key("policyTypes").flow({"Ingress"}).key("ingress").seq().map().key("ports").seq();
      for (const auto& p : s.ports) {
        if (p.exposed())
          y.map()
              .kv("port", p.target > 0 ? p.target : p.published)
              .kv("protocol", p.protocol == "udp" ? "UDP" : "TCP")
              .end_map();
      }
      y.end_seq().end_map().end_seq().end_map().end_map();
      doc += "---\n" + y.str();
    } else if (all_internal) {
      YamlWriter y;  // internal networks only: no way out but to its peers and DNS
      open_network_policy(y, "internal-" + slug(s.name), ns, "app.kubernetes.io/name", slug(s.name));
      y.key("policyTypes").flow({"Egress"}).key("egress").seq();
      y.map().key("to").seq();
      for (const auto& n : nets) {
        y.map().key("podSelector").map().key("matchLabels").map().key(network_label(n)).quoted("true");
        y.end_map().end_map().end_map();
      }
      y.end_seq().end_map();
      y.map().key("ports").seq().map().kv("port", 53).kv("protocol", "UDP").end_map();
      y.map().kv("port", 53).kv("protocol", "TCP").end_map().end_seq().end_map();
      y.end_seq().end_map().end_map();
      doc += "---\n" + y.str();
    }
  }
  return doc;
}

// The host names Traefik routes (labels "...rule": "Host(`a.example`) || Host(`b.example`)"), sorted.
std::vector<std::string> routed_hosts(const Topology& t) {
  std::set<std::string> hosts;
  auto scan = [&](const std::map<std::string, std::string>& labels) {
    for (const auto& [key, value] : labels) {
      if (!key.ends_with(".rule")) continue;
      for (size_t at = value.find("Host("); at != std::string::npos; at = value.find("Host(", at + 1)) {
        size_t end = value.find(')', at);
        std::string args = value.substr(at + 5, end == std::string::npos ? std::string::npos : end - at - 5);
        for (size_t q = args.find('`'); q != std::string::npos; q = args.find('`', q + 1)) {
          size_t close = args.find('`', q + 1);
          if (close == std::string::npos) break;
          std::string host = args.substr(q + 1, close - q - 1);
          // A DNS name only (RFC 1123, optionally a leading wildcard), as Ingress accepts.
          bool ok = !host.empty() &&
                    host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.*") == std::string::npos;
          if (ok) hosts.insert(host);
          q = close;
        }
      }
    }
  };
  for (const auto& s : t.estate().services) {
    scan(s.runtime.labels);
    scan(s.runtime.deploy_labels);
  }
  return {hosts.begin(), hosts.end()};
}

std::string ingress(const Topology& t, const std::string& ns) {
  for (const auto& s : t.estate().services) {
    if (!t.is_edge_proxy(s)) continue;
    int port = 0;
    for (const auto& p : s.ports) {
      if (!p.exposed()) continue;
      if (p.published == 80 || port == 0) port = p.published;
    }
    if (port == 0) continue;
    // One Ingress for the edge: everything goes to the estate's own proxy, which keeps its routes.
    YamlWriter y;
    y.map().kv("apiVersion", "networking.k8s.io/v1").kv("kind", "Ingress");
    metadata(y, "edge", ns, {{"app.kubernetes.io/name", slug(s.name)}});
    y.key("spec").map();
    if (edge_has_tls(t)) {
      // The edge served HTTPS: the ingress controller terminates it with Secret edge-tls (k8s/setup.sh
      // tls) for the hosts the proxy routes, and hands plain HTTP to the proxy.
      auto hosts = routed_hosts(t);
      y.key("tls").seq().map().kv("secretName", "edge-tls");
      if (!hosts.empty()) y.key("hosts").flow(hosts);
      y.end_map().end_seq();
    }
    y.key("defaultBackend").map().key("service").map().kv("name", slug(s.name));
    y.key("port").map().kv("number", port).end_map().end_map().end_map().end_map().end_map();
    return "---\n" + y.str();
  }
  return "";
}

}  // namespace

Files kubernetes_manifests(const Topology& t) {
  Files files;
  const std::string ns = slug(t.estate().name.empty() ? "rehome" : t.estate().name);
  const std::string header =
      generated_header(t) +
      "# Apply: ./k8s/setup.sh (Secrets, ConfigMaps, TLS), then kubectl apply -f k8s/ --recursive\n";
  YamlWriter n;
  n.map()
      .kv("apiVersion", "v1")
      .kv("kind", "Namespace")
      .key("metadata")
      .map()
      .kv("name", ns)
      .end_map()
      .end_map();
  files["k8s/namespace.yaml"] = header + "---\n" + n.str();
  for (const auto& [stack, services] : t.stacks()) {
    for (const auto* s : services) {
      files["k8s/" + stack + "/" + slug(s->name) + ".yaml"] = header + workload(t, *s, ns);
    }
  }
  files["k8s/network-policies.yaml"] = header + network_policies(t, ns);
  if (auto edge = ingress(t, ns); !edge.empty()) files["k8s/ingress.yaml"] = header + edge;
  files["k8s/setup.sh"] = kubernetes_setup_script(t, ns);
  return files;
}

}  // namespace rehome::generate
