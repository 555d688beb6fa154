#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/estate.hpp"

namespace rehome::plan {

// Hard rules (feasibility checks), after Nomad's scheduler/feasible and the Filter plugins of the
// Kubernetes scheduler: each answers "may this replica go on this server, given what is there already?"
// in O(1) or O(rules of the service), so the solver and the failover simulation can ask it millions of
// times. A new hard rule is a new rule_*.cpp file plus one line in default_feasibility_rules().

// A service's index in estate.services: rules, scorers and loads key services by it, not by name.
using ServiceId = std::uint32_t;

// What is placed on one server so far.
struct ServerLoad {
  model::Bytes memory = 0;  // sum of memory reservations
  model::MilliCpu cpu = 0;  // sum of CPU reservations
  // (service, replicas of it on this server), sorted by service: a server holds a few dozen services at
  // most, so a flat vector beats a map (no allocation per service, no string compares).
  std::vector<std::pair<ServiceId, int>> replicas;
  // Counters the scorers read (kept by add/remove; see is_production_workload()).
  int production = 0;  // production-tier app/frontend/proxy/auth replicas
  int monitoring = 0;  // monitoring/logging replicas (global agents excluded)
  int spiky = 0;       // CI runners and other bursty replicas
  int total = 0;       // all replicas

  int count(ServiceId service) const {
    auto it = find(service);
    return it != replicas.end() && it->first == service ? it->second : 0;
  }
  // One replica of `s` (whose index is `id`) more or less; remove() is false when none is here.
  void add(const model::Service& s, ServiceId id);
  bool remove(const model::Service& s, ServiceId id);

 private:
  std::vector<std::pair<ServiceId, int>>::const_iterator find(ServiceId service) const {
    return std::lower_bound(replicas.begin(), replicas.end(), service,
                            [](const auto& entry, ServiceId s) { return entry.first < s; });
  }
};

// Facts about the estate every rule and scorer needs, computed once.
struct PlacementContext {
  PlacementContext(const model::Estate& estate, double headroom);

  const model::Estate& estate;
  double headroom = 0.10;  // share of memory and CPU kept free on every server
  model::Bytes max_server_memory = 0;
  model::MilliCpu max_server_cpu = 0;
  bool has_edge_servers = false;
  // Per service index: the services it may never share a server with (anti-affinity in either
  // direction, a streaming replica and its primary, services publishing the same host-mode port) ...
  std::vector<std::vector<ServiceId>> conflicts;
  // ... the services it talks to (depends_on and affinity, both directions: chatty pairs) ...
  std::vector<std::vector<ServiceId>> partners;
  // ... and its stack's services (the stack's first 16 non-global ones; empty without a stack).
  std::vector<std::vector<ServiceId>> stack;
  std::unordered_map<std::string, const model::Service*> services_by_name;
  std::unordered_map<std::string, size_t> server_index;  // hostname -> index in estate.servers
  // The production servers: not weak, and with at least 3/4 of the strongest such server's CPU threads
  // (the seeds' gmktec). Fixed up front so "monitoring off the production server" does not depend on the
  // order replicas are placed in.
  std::vector<bool> production_server;
  bool is_production_server(const model::Server& s) const { return production_server[index_of(s)]; }

  // Capacity the planner may fill: the server's memory / CPU minus the headroom (computed once).
  model::Bytes memory_capacity(const model::Server& s) const { return memory_capacity_[index_of(s)]; }
  model::MilliCpu cpu_capacity(const model::Server& s) const { return cpu_capacity_[index_of(s)]; }
  // Index of a server of this estate (by address in estate.servers, O(1)).
  size_t index_of(const model::Server& s) const { return static_cast<size_t>(&s - estate.servers.data()); }
  // Index of a service: O(1) for the estate's own services, by name for a copy.
  ServiceId id_of(const model::Service& s) const;
  std::optional<ServiceId> service_id(const std::string& name) const;
  const model::Service& service(ServiceId id) const { return estate.services[id]; }

 private:
  std::vector<model::Bytes> memory_capacity_;
  std::vector<model::MilliCpu> cpu_capacity_;
};

// Helpers shared by rules, scorers and the check.
// (Inline: the solver asks them for every candidate and every move.)
// Production tier, app/frontend/proxy/auth/queue.
inline bool is_production_workload(const model::Service& s) {
  using C = model::Category;
  if (s.tier != model::Tier::production || s.global) return false;
  return s.category == C::app || s.category == C::frontend || s.category == C::proxy ||
         s.category == C::auth || s.category == C::queue;
}
// Monitoring/logging, not a per-node agent.
inline bool is_monitoring(const model::Service& s) {
  return !s.global && (s.category == model::Category::monitoring || s.category == model::Category::logging);
}
// Spiky flag or CI category.
inline bool is_spiky(const model::Service& s) {
  return !s.global && (s.spiky || s.category == model::Category::ci);
}
// Weak hardware or low reliability.
inline bool is_weak(const model::Server& s) {
  return s.hints.weak || s.hints.reliability == model::Reliability::low;
}
bool needs_edge(const model::Service& s);  // publishes port 80 or 443 beyond loopback

class FeasibilityRule {
 public:
  virtual ~FeasibilityRule() = default;
  virtual std::string_view name() const = 0;
  // nullopt = fits; otherwise the reason in plain words ("needs 4.0 GB, 1.2 GB free of 9.9 GB").
  virtual std::optional<std::string> check(const model::Service&, const model::Server&, const ServerLoad&,
                                           const PlacementContext&) const = 0;
  // The same verdict without building the reason: the solver asks millions of times.
  virtual bool allows(const model::Service& svc, const model::Server& server, const ServerLoad& load,
                      const PlacementContext& ctx) const {
    return !check(svc, server, load, ctx);
  }
  // A capacity rule refuses for want of room (memory, CPU). An infeasible plan is explained by asking the
  // other rules first and then measuring how far the closest server is short; the check of a proposal
  // reports capacity on its own.
  virtual bool is_capacity() const { return false; }
  // Static eligibility: a rule that confines a service to a fixed set of servers, whatever is placed on
  // them (pins, labels), says so for that service and answers eligible() without a load. The solver asks
  // once per service and server, places confined services first and scores every server they may use.
  virtual bool confines(const model::Service&) const { return false; }
  virtual bool eligible(const model::Service&, const model::Server&, const PlacementContext&) const {
    return true;
  }
  // Whether the rule may judge these two servers differently for one of `services` when both hold the
  // same load and room: true when unsure. The exact search (pack_exact.hpp) treats servers no rule tells
  // apart, with the same room, as interchangeable. A rule reading only the load and the room says false;
  // one reading a server attribute compares it.
  virtual bool tells_apart(const model::Server&, const model::Server&,
                           const std::vector<const model::Service*>& /*services*/) const {
    return true;
  }
};

using FeasibilityRules = std::vector<std::unique_ptr<FeasibilityRule>>;

// memory, cpu, pins, labels, max-replicas-per-node, conflicts (anti-affinity), edge.
FeasibilityRules default_feasibility_rules();
std::unique_ptr<FeasibilityRule> make_memory_rule();
std::unique_ptr<FeasibilityRule> make_cpu_rule();
std::unique_ptr<FeasibilityRule> make_pin_rule();
std::unique_ptr<FeasibilityRule> make_label_rule();
std::unique_ptr<FeasibilityRule> make_max_per_node_rule();
std::unique_ptr<FeasibilityRule> make_conflict_rule();
std::unique_ptr<FeasibilityRule> make_edge_rule();

// The servers (indexes into estate.servers) a service may use whatever is placed, as the rules that
// confine it say; nullopt when no rule confines it (every server, subject to the other rules).
std::optional<std::vector<std::uint32_t>> eligible_servers(const FeasibilityRules& rules,
                                                           const model::Service& service,
                                                           const PlacementContext& ctx);

// First rule that refuses (its reason prefixed by nothing), or nullopt when every rule accepts.
std::optional<std::string> first_refusal(const FeasibilityRules& rules, const model::Service&,
                                         const model::Server&, const ServerLoad&, const PlacementContext&);

}  // namespace rehome::plan
