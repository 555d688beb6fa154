#include "plan/check.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "plan/placement_state.hpp"
#include "plan/scorer_util.hpp"
#include "plan/solver.hpp"

namespace rehome::plan {
namespace {

using Severity = Finding::Severity;

std::string server_label(const model::Server& s) {
  return s.address.empty() ? s.name : fmt::format("{} ({})", s.name, s.address);
}

// "gitlab 4.0 GB + prometheus 2.0 GB + ... + 6 more 2.3 GB = 14.5 GB", biggest first.
std::string memory_sum(const std::vector<const model::Service*>& services, model::Bytes total) {
  std::map<std::string, model::Bytes> by_name;
  for (const auto* s : services) by_name[s->name] += s->resources.memory_reservation;
  std::vector<std::pair<std::string, model::Bytes>> items(by_name.begin(), by_name.end());
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> parts;
  model::Bytes rest = 0;
  size_t rest_count = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i < 6)
      parts.push_back(fmt::format("{} {}", items[i].first, model::format_bytes(items[i].second)));
    else
      rest += items[i].second, ++rest_count;
  }
  if (rest_count) parts.push_back(fmt::format("{} more {}", rest_count, model::format_bytes(rest)));
  return fmt::format("{} = {}", fmt::join(parts, " + "), model::format_bytes(total));
}

// Capacity: the sum of what the proposal puts on each server against its capacity after headroom.
void check_capacity(const model::Estate& estate, const PlacementState& state, const Plan& proposal,
                    std::vector<Finding>& out) {
  const auto& ctx = state.context();
  std::map<std::string, std::vector<const model::Service*>> on;
  for (const auto& a : proposal.assignments)
    if (auto it = ctx.services_by_name.find(a.service); it != ctx.services_by_name.end())
      on[a.server].push_back(it->second);
  for (size_t i = 0; i < estate.servers.size(); ++i) {
    const auto& server = estate.servers[i];
    const auto& load = state.load(i);
    const auto cap = ctx.memory_capacity(server);
    if (load.memory > cap) {
      out.push_back(
          {Severity::error, "memory", server.name, "",
           fmt::format("{} cannot hold what the proposal gives it: {} against its {} ({} after {:.0f}% "
                       "headroom), short by {}",
                       server_label(server), memory_sum(on[server.name], load.memory),
                       model::format_bytes(server.memory), model::format_bytes(cap), ctx.headroom * 100,
                       model::format_bytes(load.memory - cap))});
    }
    const auto cpu_cap = ctx.cpu_capacity(server);
    if (load.cpu > cpu_cap) {
      out.push_back({Severity::error, "cpu", server.name, "",
                     fmt::format("{} is given CPU reservations of {} against {} threads ({} after {:.0f}% "
                                 "headroom), short by {}",
                                 server_label(server), model::format_cpu(load.cpu), server.cpu_threads,
                                 model::format_cpu(cpu_cap), ctx.headroom * 100,
                                 model::format_cpu(load.cpu - cpu_cap))});
    }
  }
}

// The other hard rules, each replica judged against the rest of its server's load.
void check_other_rules(const model::Estate& estate, PlacementState& state, const Plan& proposal,
                       std::vector<Finding>& out) {
  auto rules = default_feasibility_rules();
  std::set<std::string> said;
  for (const auto& a : proposal.assignments) {
    const auto* svc = estate.find_service(a.service);
    const auto* server = estate.find_server(a.server);
    if (!svc || !server) continue;
    const size_t idx = state.context().index_of(*server);
    state.remove(*svc, idx);
    for (const auto& rule : rules) {
      if (rule->is_capacity()) continue;  // check_capacity reports room per server
      if (auto why = rule->check(*svc, *server, state.load(idx), state.context())) {
        auto message = fmt::format("{} on {}: {}", svc->name, server->name, *why);
        if (said.insert(message).second)
          out.push_back({Severity::error, std::string(rule->name()), server->name, svc->name, message});
      }
    }
    state.add(*svc, idx);
  }
}

// The weakest host (weak/unreliable hints first, then least memory, then fewest threads) and what the
// proposal puts on it.
void check_weakest(const model::Estate& estate, const Plan& proposal, std::vector<Finding>& out) {
  if (estate.servers.size() < 2) return;
  auto weaker = [](const model::Server& a, const model::Server& b) {
    if (is_weak(a) != is_weak(b)) return is_weak(a);
    if (a.memory != b.memory) return a.memory < b.memory;
    return a.cpu_threads < b.cpu_threads;
  };
  const auto& w = *std::min_element(estate.servers.begin(), estate.servers.end(), weaker);
  std::vector<std::string> why;
  if (!w.cpu_model.empty()) why.push_back(fmt::format("CPU {}", w.cpu_model));
  bool least_ram = std::all_of(estate.servers.begin(), estate.servers.end(),
                               [&](const model::Server& s) { return s.memory >= w.memory; });
  why.push_back(fmt::format("{}{} RAM", least_ram ? "least " : "", model::format_bytes(w.memory)));
  if (w.hints.weak) why.push_back("old/weak hardware");
  if (w.hints.reliability == model::Reliability::low) why.push_back("unreliable");
  if (!w.hints.note.empty()) why.push_back(w.hints.note);
  std::map<std::string, int> tiers;
  std::vector<std::string> names;
  for (const auto& a : proposal.assignments) {
    if (a.server != w.name) continue;
    const auto* svc = estate.find_service(a.service);
    if (!svc || svc->global) continue;
    ++tiers[model::to_string(svc->tier)];
    if (std::find(names.begin(), names.end(), a.service) == names.end()) names.push_back(a.service);
  }
  if (names.empty()) return;
  std::vector<std::string> tier_text;
  int replicas = 0;
  for (const auto& [tier, n] : tiers) tier_text.push_back(fmt::format("{} {}", n, tier)), replicas += n;
  const bool production = tiers.count("production") > 0;
  out.push_back(
      {Severity::warning, "weakest-host", w.name, "",
       fmt::format("{} is the weakest host ({}), yet the proposal gives it {} replica(s) ({}): {}; {}",
                   server_label(w), fmt::join(why, "; "), replicas, fmt::join(tier_text, ", "),
                   fmt::join(names, ", "),
                   production ? "production must not depend on it"
                              : "staging there is down whenever it reboots: keep nothing there a "
                                "release or a person depends on")});
}

// "a, b, c and 52 more"
std::string examples(const std::vector<std::string>& items, size_t limit) {
  std::vector<std::string> shown(items.begin(), items.begin() + std::min(limit, items.size()));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (items.size() > shown.size()) out += fmt::format(" and {} more", items.size() - shown.size());
  return out;
}

// "gmktec -> hppavilion 52, wsasus -> gmktec 3", most first.
std::string counted(const std::vector<std::string>& keys) {
  std::map<std::string, size_t> n;
  std::vector<std::string> order;
  for (const auto& k : keys)
    if (n[k]++ == 0) order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return n[a] > n[b]; });
  std::vector<std::string> parts;
  for (const auto& k : order) parts.push_back(fmt::format("{} {}", k, n[k]));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string group_line(const std::string& rule, const std::vector<const Finding*>& fs, size_t limit) {
  if (rule == "partners-together") {
    // messages read "a (gmktec) calls b (hppavilion) across servers: ..." (score_partners.cpp)
    static const std::regex call(R"(^(\S+) \(([^)]*)\) calls (\S+) \(([^)]*)\) across servers)");
    std::vector<std::string> pairs, calls;
    bool all_parsed = true;
    for (const auto* f : fs) {
      std::smatch m;
      if (!std::regex_search(f->message, m, call)) {
        all_parsed = false;
        break;
      }
      pairs.push_back(fmt::format("{} -> {}", m[2].str().empty() ? "-" : m[2].str(),
                                  m[4].str().empty() ? "-" : m[4].str()));
      calls.push_back(fmt::format("{} -> {}", m[1].str(), m[3].str()));
    }
    if (all_parsed)
      return fmt::format("{} calls cross servers ({}), ~1-5 ms more each: {}", fs.size(), counted(pairs),
                         examples(calls, limit));
  }
  std::vector<std::string> servers, messages;
  for (const auto* f : fs) {
    if (!f->server.empty()) servers.push_back(f->server);
    messages.push_back(f->message);
  }
  return fmt::format("{} not met{}: {}", fs.size(),
                     servers.empty() ? "" : fmt::format(" (on {})", counted(servers)),
                     examples(messages, limit));
}

}  // namespace

std::vector<SoftLine> group_soft_findings(const std::vector<Finding>& warnings, size_t limit) {
  std::map<std::string, std::vector<const Finding*>> by_rule;
  std::vector<std::string> order;
  for (const auto& f : warnings) {
    auto& list = by_rule[f.rule];
    if (list.empty()) order.push_back(f.rule);
    list.push_back(&f);
  }
  std::vector<SoftLine> out;
  for (const auto& rule : order) {
    const auto& fs = by_rule[rule];
    if (fs.size() <= limit)
      for (const auto* f : fs) out.push_back({rule, f->message, 1});
    else
      out.push_back({rule, group_line(rule, fs, limit), fs.size()});
  }
  return out;
}

bool CheckReport::hard_rule_broken() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::error; });
}

CheckReport check_proposal(const model::Estate& estate, const Plan& proposal) {
  CheckReport report;
  report.proposal = proposal;
  PlacementState state(estate, proposal.headroom, proposal);
  check_capacity(estate, state, proposal, report.findings);
  check_other_rules(estate, state, proposal, report.findings);
  check_weakest(estate, proposal, report.findings);
  annotate(report.proposal, estate);
  for (const auto& o : report.proposal.soft_rules)
    if (!o.met) report.findings.push_back({Severity::warning, o.rule, o.server, o.service, o.reason});

  PlanOptions options;
  options.headroom = proposal.headroom;
  auto solved = solve(estate, options);
  if (solved.plan)
    report.recommended = std::move(*solved.plan);
  else
    report.recommended_failure = solved.failure->message;

  for (size_t i = 0; i < estate.servers.size(); ++i) {
    const auto& s = estate.servers[i];
    ServerComparison c;
    c.server = s.name;
    c.capacity = state.context().memory_capacity(s);
    c.proposed_memory = state.load(i).memory;
    for (const auto& a : proposal.assignments)
      if (a.server == s.name) c.proposed.push_back(a.service);
    if (report.recommended) {
      for (const auto& a : report.recommended->assignments)
        if (a.server == s.name) {
          c.recommended.push_back(a.service);
          if (auto* svc = estate.find_service(a.service))
            c.recommended_memory += svc->resources.memory_reservation;
        }
    }
    report.comparison.push_back(std::move(c));
  }
  return report;
}

}  // namespace rehome::plan
