#include "generate/topology.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/error.hpp"
#include "plan/roles.hpp"

namespace rehome::generate {
namespace {

using model::Category;

bool is_data_category(Category c) {
  return c == Category::database || c == Category::cache || c == Category::queue || c == Category::storage;
}

// Networks whose traffic carries credentials, queries or metrics get IPsec between nodes.
bool encrypted_by_default(const std::string& network) {
  return network == "backend" || network == "database" || network == "monitoring";
}

std::string plan_origin(const plan::Plan& plan) {
  return plan.where.file.empty() ? std::string("the plan") : plan.where.str();
}

}  // namespace

std::string default_stack(const model::Service& service) {
  if (service.tier == model::Tier::staging) return "staging";
  if (service.tier == model::Tier::dev) return "dev";
  if (is_data_category(service.category)) return "databases";
  switch (service.category) {
    case Category::monitoring:
    case Category::logging:
      return "monitoring";
    case Category::backup:
      return "backups";
    case Category::proxy:
      return "edge";
    case Category::ci:
      return "ci";
    case Category::mail:
      return "mail";
    default:
      return "production";
  }
}

Topology::Topology(const model::Estate& estate, const plan::Plan& plan) : estate_(&estate), plan_(&plan) {
  for (const auto& a : plan.assignments) {
    if (!estate.find_service(a.service)) {
      throw UserError(
          fmt::format("{}: service {} is not in estate {}", plan_origin(plan), a.service, estate.name),
          "make the plan again from this estate (rehome plan), or fix the service name");
    }
    if (!estate.find_server(a.server)) {
      throw UserError(fmt::format("{}: server {} (for {}) is not in estate {}", plan_origin(plan), a.server,
                                  a.service, estate.name),
                      "make the plan again from this estate (rehome plan), or fix the server name");
    }
  }
  for (const auto& s : estate.services) {
    std::string stack = s.stack.empty() ? default_stack(s) : slug(s.stack);
    stacks_[stack].push_back(&s);
    stack_of_[s.name] = stack;
    for (const auto& secret : s.secrets) secrets_.insert(secret);
  }
  for (const auto& server : estate.servers) node_labels_[server.name] = server.labels;
  place_services();
  take_roles();
  collect_networks();
}

// The placement policy is the plan's (plan/placement_policy.hpp): pinned only with local state or an
// explicit pin, stateless services on every server the rules allow. Here it is only spelled for Swarm.
void Topology::place_services() {
  const auto decisions = plan::decide_placements(*estate_, *plan_);
  for (const auto& s : estate_->services) {
    const auto& d = decisions.of(s.name);
    if (!s.global) {
      int placed = static_cast<int>(plan_->servers_of(s.name).size());
      if (placed != s.replicas) {
        throw UserError(fmt::format("{}: {} has {} replica(s) in the plan but {} in the estate",
                                    plan_origin(*plan_), s.name, placed, s.replicas),
                        "make the plan again (rehome plan) or edit it so every replica has a server");
      }
    }
    ServicePlacement p;
    p.servers = d.servers;
    p.per_server = d.per_server;
    p.allowed = d.allowed_in(*estate_);
    p.pin = d.pin;
    p.why = d.why;
    p.max_replicas_per_node = d.max_replicas_per_node;
    p.label = d.label;
    if (!d.hostname.empty()) p.constraints.push_back("node.hostname == " + d.hostname);
    if (!p.label.empty()) {
      p.constraints.push_back(fmt::format("node.labels.{} == true", p.label));
      for (const auto& server : p.allowed) node_labels_[server][p.label] = "true";
    }
    for (const auto& [k, v] : s.placement.labels)
      p.constraints.push_back(fmt::format("node.labels.{} == {}", k, v));
    placements_[s.name] = std::move(p);
  }
}

// The plan's roles, read, not decided: managers in the plan's join order, workers in estate order (so
// the script reads like the estate), the edge servers as the plan names them.
void Topology::take_roles() {
  const auto roles = plan::roles_of(*plan_, *estate_);
  auto server = [&](const std::string& name) {
    const auto* s = estate_->find_server(name);
    if (!s)
      throw UserError(fmt::format("{}: role for server {}, which is not in estate {}", plan_origin(*plan_),
                                  name, estate_->name),
                      "make the plan again from this estate (rehome plan), or fix the server name");
    return s;
  };
  for (const auto& m : roles.managers) managers_.push_back(server(m.server));
  for (const auto& s : estate_->servers)
    if (!roles.is_manager(s.name)) workers_.push_back(&s);
  for (const auto& e : roles.edge) edge_servers_.push_back(server(e.server)->name);
  for (const auto& s : estate_->services)
    if (plan::is_edge_proxy(s, *estate_)) edge_proxies_.insert(s.name);
}

bool Topology::is_manager(const std::string& server) const {
  return std::any_of(managers_.begin(), managers_.end(), [&](const auto* m) { return m->name == server; });
}

bool Topology::is_edge_proxy(const model::Service& service) const {
  return edge_proxies_.count(service.name) > 0;
}

std::vector<std::string> Topology::networks_of(const model::Service& s) const {
  std::vector<std::string> nets = s.networks;
  if (nets.empty()) {
    // No networks written: segment by role, as seed 001 does by hand.
    if (is_edge_proxy(s))
      nets = {"public", "backend"};
    else if (is_data_category(s.category))
      nets = {"database"};
    else if (s.category == Category::monitoring || s.category == Category::logging)
      nets = {"monitoring"};
    else
      nets = {"backend"};
    for (const auto& dep : s.depends_on) {
      const auto* d = estate_->find_service(dep);
      if (d && d->networks.empty() && is_data_category(d->category) && !is_data_category(s.category)) {
        nets.push_back("database");
      }
    }
  }
  // Prometheus scrapes over the monitoring network: everything with a metrics endpoint joins it.
  if (!s.metrics.empty()) nets.push_back("monitoring");
  std::sort(nets.begin(), nets.end());
  nets.erase(std::unique(nets.begin(), nets.end()), nets.end());
  return nets;
}

void Topology::collect_networks() {
  std::set<std::string> names;
  for (const auto& n : estate_->networks) names.insert(n.name);
  for (const auto& s : estate_->services) {
    for (const auto& n : networks_of(s)) names.insert(n);
  }
  for (const auto& name : names) {
    NetworkSpec spec{.name = name};
    if (const auto* declared = estate_->find_network(name)) {
      spec.encrypted = declared->encrypted;
      spec.internal = declared->internal;
      spec.public_ = declared->public_;
    }
    spec.encrypted = spec.encrypted || encrypted_by_default(name);
    spec.internal = spec.internal || name == "database";
    spec.public_ = spec.public_ || name == "public";
    if (spec.public_) spec.internal = false;  // the edge network must reach and be reached
    networks_.push_back(spec);
  }
}

const NetworkSpec* Topology::network(const std::string& name) const {
  for (const auto& n : networks_) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

const std::string& Topology::stack_of(const std::string& service) const { return stack_of_.at(service); }

const ServicePlacement& Topology::placement(const std::string& service) const {
  return placements_.at(service);
}

std::vector<PublishedPort> Topology::published_on(const std::string& server) const {
  std::vector<PublishedPort> ports;
  for (const auto& s : estate_->services) {
    if (placement(s.name).per_server.count(server) == 0) continue;
    for (const auto& p : s.ports) {
      if (p.exposed()) ports.push_back({s.name, p.published, p.protocol});  // never a loopback-only one
    }
  }
  std::sort(ports.begin(), ports.end(), [](const PublishedPort& a, const PublishedPort& b) {
    return std::tie(a.port, a.protocol, a.service) < std::tie(b.port, b.protocol, b.service);
  });
  return ports;
}

}  // namespace rehome::generate
