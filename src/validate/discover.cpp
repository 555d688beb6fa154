// Discovery's pure half: the Engine API's JSON as a Deployment, and what it says before any probe.
#include "validate/discover.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::validate {
namespace {

using nlohmann::json;

const json& at(const json& j, const char* key) {
  static const json null;
  return j.is_object() && j.contains(key) ? j[key] : null;
}

std::string text(const json& j, const char* key) {
  const json& v = at(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}

void expect_array(const json& j, const char* what) {
  if (!j.is_array())
    throw UserError(fmt::format("Engine API: {} is not a list", what),
                    "check that the engine is a Swarm manager of a supported Docker version");
}

std::string strip_digest(const std::string& image) { return image.substr(0, image.find('@')); }

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  return fmt::format("{}", fmt::join(v, sep));
}

bool wanted(const DeployedService& s, const std::set<std::string>& stacks) {
  return stacks.empty() ? !s.stack.empty() : stacks.count(s.stack) > 0;
}

}  // namespace

std::string DeployedService::short_name() const {
  return !stack.empty() && name.rfind(stack + "_", 0) == 0 ? name.substr(stack.size() + 1) : name;
}

Deployment parse_deployment(const json& info, const json& nodes, const json& services, const json& tasks,
                            const json& containers) {
  expect_array(nodes, "GET /nodes");
  expect_array(services, "GET /services");
  expect_array(tasks, "GET /tasks");
  Deployment d;
  d.node_address = text(at(info, "Swarm"), "NodeAddr");
  std::map<std::string, const DeployedNode*> node_by_id;
  for (const auto& n : nodes) {
    DeployedNode node;
    node.id = text(n, "ID");
    node.hostname = text(at(n, "Description"), "Hostname");
    node.address = text(at(n, "Status"), "Addr");
    node.state = text(at(n, "Status"), "State");
    node.role = text(at(n, "Spec"), "Role");
    const json& ms = at(n, "ManagerStatus");
    node.reachability = text(ms, "Reachability");
    node.leader = at(ms, "Leader").is_boolean() && at(ms, "Leader").get<bool>();
    // A manager's Status.Addr may be 0.0.0.0; its ManagerStatus.Addr ("ip:2377") is the real one.
    if ((node.address.empty() || node.address == "0.0.0.0") && !text(ms, "Addr").empty())
      node.address = text(ms, "Addr").substr(0, text(ms, "Addr").rfind(':'));
    d.nodes.push_back(node);
  }
  for (const auto& n : d.nodes) node_by_id[n.id] = &n;

  std::map<std::string, size_t> index;
  for (const auto& s : services) {
    DeployedService svc;
    svc.id = text(s, "ID");
    const json& spec = at(s, "Spec");
    svc.name = text(spec, "Name");
    svc.stack = text(at(spec, "Labels"), "com.docker.stack.namespace");
    const json& container = at(at(spec, "TaskTemplate"), "ContainerSpec");
    svc.image = strip_digest(text(container, "Image"));
    const json& test = at(at(container, "Healthcheck"), "Test");
    svc.healthcheck = test.is_array() && !test.empty() && test[0] != "NONE";
    const json& mode = at(spec, "Mode");
    svc.global = mode.is_object() && mode.contains("Global");
    const json& replicas = at(at(mode, "Replicated"), "Replicas");
    if (replicas.is_number_integer()) svc.desired = replicas.get<int>();
    const json& ports = at(at(s, "Endpoint"), "Ports").is_array() ? at(at(s, "Endpoint"), "Ports")
                                                                  : at(at(spec, "EndpointSpec"), "Ports");
    if (ports.is_array())
      for (const auto& p : ports) {
        if (text(p, "Protocol") != "" && text(p, "Protocol") != "tcp") continue;
        if (!at(p, "PublishedPort").is_number_integer()) continue;
        PublishedPort pp;
        pp.published = at(p, "PublishedPort").get<int>();
        pp.target = at(p, "TargetPort").is_number_integer() ? at(p, "TargetPort").get<int>() : 0;
        if (!text(p, "PublishMode").empty()) pp.mode = text(p, "PublishMode");
        if (pp.published > 0) svc.ports.push_back(pp);
      }
    index[svc.id] = d.services.size();
    d.services.push_back(svc);
  }

  // Tasks meant to run: running, or on their way (the rest are history).
  std::map<std::string, std::string> newest_error;  // service id -> its newest task error
  std::map<std::string, std::string> newest_stamp;
  for (const auto& t : tasks) {
    auto it = index.find(text(t, "ServiceID"));
    if (it == index.end()) continue;
    DeployedService& svc = d.services[it->second];
    const json& status = at(t, "Status");
    std::string err = text(status, "Err"), stamp = text(status, "Timestamp");
    if (!err.empty() && stamp >= newest_stamp[svc.id]) {
      newest_stamp[svc.id] = stamp;
      newest_error[svc.id] = err;
    }
    if (text(t, "DesiredState") != "running") continue;
    if (svc.global) ++svc.desired;
    std::string state = text(status, "State");
    if (state == "running") {
      ++svc.running;
      auto node = node_by_id.find(text(t, "NodeID"));
      std::string host = node == node_by_id.end() ? text(t, "NodeID") : node->second->hostname;
      if (std::find(svc.nodes.begin(), svc.nodes.end(), host) == svc.nodes.end()) svc.nodes.push_back(host);
    } else {
      ++svc.starting;
      if (!err.empty()) svc.errors.push_back(err);
    }
  }
  for (auto& svc : d.services) {
    if (svc.errors.empty() && svc.running < svc.desired && newest_error.count(svc.id))
      svc.errors.push_back(newest_error[svc.id]);
    std::sort(svc.nodes.begin(), svc.nodes.end());
  }

  // Local containers: their health as the engine judges it ("Up 2 minutes (unhealthy)").
  if (containers.is_array())
    for (const auto& c : containers) {
      std::string service = text(at(c, "Labels"), "com.docker.swarm.service.name");
      std::string status = text(c, "Status");
      for (auto& svc : d.services) {
        if (svc.name != service) continue;
        if (status.find("healthy)") != std::string::npos || status.find("health: ") != std::string::npos)
          svc.healthcheck = true;
        if (status.find("(unhealthy)") != std::string::npos) ++svc.unhealthy;
      }
    }
  std::sort(d.services.begin(), d.services.end(),
            [](const DeployedService& a, const DeployedService& b) { return a.name < b.name; });
  return d;
}

std::optional<MovedDatabase> moved_database(const std::string& name, const json& evidence) {
  std::string target = text(evidence, "target");
  if (target.empty()) return std::nullopt;
  MovedDatabase db;
  db.name = name;
  if (target.rfind("postgres", 0) == 0)
    db.engine = "postgres";
  else if (target.rfind("redis", 0) == 0)
    db.engine = "redis";
  else if (target.rfind("mysql", 0) == 0 || target.rfind("mariadb", 0) == 0)
    db.engine = "mariadb";
  else
    db.engine = target.substr(0, target.find(':'));
  // The evidence holds the URL masked (user:***@); the password comes from the credentials instead.
  std::string variable;
  for (char c : name) variable += std::isalnum(static_cast<unsigned char>(c)) ? char(std::toupper(c)) : '_';
  variable += "_PASSWORD";
  const std::string masked = ":***@";
  auto at_mask = target.find(masked);
  if (at_mask != std::string::npos) target.replace(at_mask, masked.size(), ":${" + variable + "}@");
  db.url = target;
  return db;
}

std::vector<ProbeResult> state_probes(const Deployment& d, const std::set<std::string>& stacks,
                                      const model::Estate* estate) {
  std::vector<ProbeResult> out;
  int shown = 0;
  for (const auto& s : d.services) {
    if (!wanted(s, stacks)) continue;
    ++shown;
    ProbeResult tasks{Area::services, s.name + " tasks", Outcome::passed, "", std::nullopt};
    std::string where = s.nodes.empty() ? "" : " on " + join(s.nodes);
    std::string errors = s.errors.empty() ? "" : "; last error: " + mask_secrets(s.errors.front());
    if (s.desired == 0) {
      tasks.outcome = Outcome::skipped;
      tasks.reason = "scaled to 0: nothing to check";
    } else if (s.running >= s.desired) {
      tasks.reason = fmt::format("{} of {} running{}", s.running, s.desired, where);
    } else {
      tasks.outcome = s.running == 0 ? Outcome::failed : Outcome::partial;
      tasks.reason = fmt::format("{} of {} running{}, {} not started{}", s.running, s.desired, where,
                                 s.desired - s.running, errors);
    }
    out.push_back(tasks);
    if (!s.healthcheck || s.desired == 0) continue;
    // Swarm reports a task with a health check as running only once it is healthy.
    ProbeResult health{Area::services, s.name + " health", Outcome::passed, "", std::nullopt};
    if (s.unhealthy > 0) {
      health.outcome = Outcome::failed;
      health.reason = fmt::format("{} container(s) on this node report unhealthy", s.unhealthy);
    } else if (s.running >= s.desired) {
      health.reason = fmt::format("{} task(s) passed the health check", s.running);
    } else {
      health.outcome = s.running == 0 ? Outcome::failed : Outcome::partial;
      health.reason = fmt::format("{} of {} task(s) healthy", s.running, s.desired);
    }
    out.push_back(health);
  }
  if (shown == 0)
    out.push_back({Area::services, "deployed stacks", Outcome::skipped,
                   stacks.empty() ? fmt::format("no stack deployed on {}: nothing to validate", d.engine)
                                  : fmt::format("no service of stack(s) {} on {}",
                                                join({stacks.begin(), stacks.end()}), d.engine),
                   std::nullopt});
  for (const auto& n : d.nodes) {
    bool ok = n.state == "ready" && (n.role != "manager" || n.reachability != "unreachable");
    std::string role = n.role == "manager" ? (n.leader ? "leader" : "manager") : "worker";
    out.push_back({Area::network, "node " + n.hostname, ok ? Outcome::passed : Outcome::failed,
                   fmt::format("{} {}, {}{}", role, n.address, n.state,
                               n.reachability.empty() ? "" : ", " + n.reachability),
                   std::nullopt});
  }
  if (estate)
    for (const auto& es : estate->services) {
      bool found = std::any_of(d.services.begin(), d.services.end(), [&](const DeployedService& s) {
        return wanted(s, stacks) && s.short_name() == es.name;
      });
      if (!found)
        out.push_back({Area::services, es.name + " deployed", Outcome::failed,
                       "in the estate but no such service runs in the cluster's stacks", std::nullopt});
    }
  return out;
}

Targets discovered_targets(const Deployment& d, const std::set<std::string>& stacks,
                           const std::vector<MovedDatabase>& databases, const std::string& address) {
  Targets t;
  t.file = "the deployment";
  t.disks.clear();  // this machine's disk is not the cluster's
  for (const auto& s : d.services) {
    if (!wanted(s, stacks)) continue;
    for (const auto& p : s.ports) {
      std::vector<std::string> hosts;
      if (p.mode == "host") {
        for (const auto& node : d.nodes)
          if (std::find(s.nodes.begin(), s.nodes.end(), node.hostname) != s.nodes.end())
            hosts.push_back(node.address);
      } else if (!address.empty()) {
        hosts.push_back(address);
      }
      for (const auto& h : hosts)
        t.network.push_back({fmt::format("{} port {} at {}", s.name, p.published, h),
                             fmt::format("{}:{}", h, p.published), "", 0});
    }
  }
  for (const auto& db : databases)
    if (db.engine == "postgres" || db.engine == "redis")
      t.databases.push_back({db.name, db.url, "select 1", 0});
  return t;
}

}  // namespace rehome::validate
