#include "plan/render.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/table.hpp"
#include "plan/feasibility.hpp"
#include "plan/roles.hpp"

namespace rehome::plan {
namespace {

struct ServerUse {
  model::Bytes memory = 0;
  model::MilliCpu cpu = 0;
  int replicas = 0;
  std::vector<std::pair<std::string, int>> services;  // name, replicas here (in estate order)
};

std::map<std::string, ServerUse> use_by_server(const Plan& plan, const model::Estate& estate) {
  std::map<std::string, std::map<std::string, int>> counts;
  for (const auto& a : plan.assignments) ++counts[a.server][a.service];
  std::map<std::string, ServerUse> out;
  for (const auto& server : estate.servers) {
    auto& u = out[server.name];
    for (const auto& svc : estate.services) {
      auto it = counts[server.name].find(svc.name);
      if (it == counts[server.name].end()) continue;
      u.memory += svc.resources.memory_reservation * it->second;
      u.cpu += svc.resources.cpu_reservation * it->second;
      u.replicas += it->second;
      u.services.push_back({svc.name, it->second});
    }
  }
  return out;
}

std::string role_of(const model::Service& s) {
  using C = model::Category;
  if (s.tier != model::Tier::production) return "staging/dev";
  if (s.global) return "";
  if (s.data && s.data->replica_of) return "replicas";
  switch (s.category) {
    case C::database:
    case C::cache:
    case C::storage:
    case C::queue:
      return "data";
    case C::ci:
      return "CI/CD";
    case C::monitoring:
    case C::logging:
      return "monitoring";
    case C::mail:
      return "mail";
    case C::backup:
      return "backup";
    case C::ml:
      return "ML";
    default:
      return "production";
  }
}

std::string percent(double part, double whole) {
  return whole > 0 ? fmt::format("{:.0f}%", 100.0 * part / whole) : "-";
}

std::string gib(model::Bytes b) { return fmt::format("{:.1f}", static_cast<double>(b) / model::GiB); }

std::string service_list(const ServerUse& u) {
  std::vector<std::string> parts;
  for (const auto& [name, n] : u.services) parts.push_back(n > 1 ? fmt::format("{} ×{}", name, n) : name);
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::string server_role(const Plan& plan, const model::Estate& estate, const std::string& server) {
  std::map<std::string, model::Bytes> by_role;
  for (const auto& a : plan.assignments) {
    if (a.server != server) continue;
    const auto* svc = estate.find_service(a.service);
    if (!svc) continue;
    auto role = role_of(*svc);
    if (!role.empty()) by_role[role] += std::max<model::Bytes>(svc->resources.memory_reservation, 1);
  }
  std::vector<std::pair<std::string, model::Bytes>> roles(by_role.begin(), by_role.end());
  std::stable_sort(roles.begin(), roles.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> names;
  for (size_t i = 0; i < roles.size() && i < 3; ++i) names.push_back(roles[i].first);
  return names.empty() ? "-" : fmt::format("{}", fmt::join(names, " + "));
}

std::string render_plan(const Plan& plan, const model::Estate& estate) {
  const auto use = use_by_server(plan, estate);
  PlacementContext ctx(estate, plan.headroom);
  std::string out = fmt::format("Plan for {} ({} replicas on {} servers, {:.0f}% headroom kept free)\n\n",
                                estate.name.empty() ? "the estate" : estate.name, plan.assignments.size(),
                                estate.servers.size(), plan.headroom * 100);
  Table table(
      {"Server", "Address", ">Memory", ">CPU", "Role", ">Services", ">Memory used", ">Mem %", ">CPU %"});
  for (const auto& s : estate.servers) {
    const auto& u = use.at(s.name);
    table.add_row({s.name, s.address, model::format_bytes(s.memory), fmt::format("{}T", s.cpu_threads),
                   server_role(plan, estate, s.name), std::to_string(u.replicas),
                   fmt::format("{} / {} GB", gib(u.memory), gib(s.memory)),
                   percent(static_cast<double>(u.memory), static_cast<double>(s.memory)),
                   percent(static_cast<double>(u.cpu), static_cast<double>(s.cpu()))});
  }
  out += table.render();
  out += "\nServices per server:\n";
  for (const auto& s : estate.servers) {
    const auto& u = use.at(s.name);
    out +=
        fmt::format("  {} ({} of {} after headroom): {}\n", s.name, model::format_bytes(u.memory),
                    model::format_bytes(ctx.memory_capacity(s)), u.services.empty() ? "-" : service_list(u));
  }
  const auto roles = roles_of(plan, estate);
  out += "\nCluster roles:\n\n";
  Table role_table({"Role", "Server", "Why"});
  for (size_t i = 0; i < roles.managers.size(); ++i)
    role_table.add_row(
        {i == 0 ? "manager (swarm init)" : "manager", roles.managers[i].server, roles.managers[i].reason});
  for (const auto& e : roles.edge) role_table.add_row({"edge", e.server, e.reason});
  if (roles.edge.empty()) role_table.add_row({"edge", "-", "none: no server takes public traffic"});
  out += role_table.render();
  std::vector<const SoftRuleOutcome*> missed;
  for (const auto& o : plan.soft_rules)
    if (!o.met) missed.push_back(&o);
  out += fmt::format("\nSoft rules: {} of {} met, score {:.1f}/100\n", plan.soft_rules.size() - missed.size(),
                     plan.soft_rules.size(), plan.score);
  std::vector<Finding> as_findings;
  for (const auto* o : missed)
    as_findings.push_back({Finding::Severity::warning, o->rule, o->server, o->service, o->reason});
  for (const auto& line : group_soft_findings(as_findings))
    out += fmt::format("  ✗ {}: {}\n", line.rule, line.text);
  if (missed.empty()) out += "  ✓ every soft rule is met\n";
  return out;
}

nlohmann::json plan_to_json(const Plan& plan, const model::Estate& estate) {
  const auto use = use_by_server(plan, estate);
  PlacementContext ctx(estate, plan.headroom);
  nlohmann::json j;
  j["estate"] = estate.name;
  j["headroom"] = plan.headroom;
  j["score"] = plan.score;
  j["servers"] = nlohmann::json::array();
  for (const auto& s : estate.servers) {
    const auto& u = use.at(s.name);
    nlohmann::json services = nlohmann::json::array();
    for (const auto& [name, n] : u.services) services.push_back({{"service", name}, {"replicas", n}});
    j["servers"].push_back({{"name", s.name},
                            {"address", s.address},
                            {"memory_bytes", s.memory},
                            {"memory_capacity_bytes", ctx.memory_capacity(s)},
                            {"cpu_threads", s.cpu_threads},
                            {"role", server_role(plan, estate, s.name)},
                            {"replicas", u.replicas},
                            {"memory_used_bytes", u.memory},
                            {"cpu_used_millicores", u.cpu},
                            {"services", services}});
  }
  const auto roles = roles_of(plan, estate);
  auto choices = [](const std::vector<RoleChoice>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list) out.push_back({{"server", c.server}, {"reason", c.reason}});
    return out;
  };
  j["roles"] = {{"managers", choices(roles.managers)}, {"edge", choices(roles.edge)}};
  j["assignments"] = nlohmann::json::array();
  for (const auto& a : plan.assignments)
    j["assignments"].push_back({{"service", a.service}, {"replica", a.replica}, {"server", a.server}});
  j["soft_rules"] = nlohmann::json::array();
  for (const auto& o : plan.soft_rules)
    j["soft_rules"].push_back({{"rule", o.rule},
                               {"service", o.service},
                               {"server", o.server},
                               {"met", o.met},
                               {"weight", o.weight},
                               {"reason", o.reason}});
  return j;
}

std::string render_check(const CheckReport& report, const model::Estate& estate) {
  std::string out;
  int errors = 0, warnings = 0;
  for (const auto& f : report.findings) (f.severity == Finding::Severity::error ? errors : warnings)++;
  out += fmt::format("Proposal {}: {} hard rule(s) broken, {} soft rule(s) not met\n\n",
                     report.proposal.where.file.empty() ? "" : report.proposal.where.file, errors, warnings);
  for (const auto& f : report.findings)
    if (f.severity == Finding::Severity::error) out += fmt::format("  ✗ [{}] {}\n", f.rule, f.message);
  std::vector<Finding> soft;
  for (const auto& f : report.findings)
    if (f.severity == Finding::Severity::warning) soft.push_back(f);
  for (const auto& line : group_soft_findings(soft))
    out += fmt::format("  ! [{}] {}\n", line.rule, line.text);
  out += "\nProposal beside the recommended plan:\n";
  Table table({"Server", ">Memory (after headroom)", ">Proposal", ">Recommended", "Proposal services",
               "Recommended services"});
  auto names = [](const std::vector<std::string>& v) {
    std::map<std::string, int> n;
    std::vector<std::string> order;
    for (const auto& s : v)
      if (n[s]++ == 0) order.push_back(s);
    std::vector<std::string> parts;
    for (const auto& s : order) parts.push_back(n[s] > 1 ? fmt::format("{} ×{}", s, n[s]) : s);
    std::string all = fmt::format("{}", fmt::join(parts, ", "));
    return all.size() > 60 ? all.substr(0, 57) + "..." : all;
  };
  for (const auto& c : report.comparison) {
    const auto* s = estate.find_server(c.server);
    table.add_row({c.server,
                   fmt::format("{} ({})", model::format_bytes(s->memory), model::format_bytes(c.capacity)),
                   model::format_bytes(c.proposed_memory),
                   report.recommended ? model::format_bytes(c.recommended_memory) : "-", names(c.proposed),
                   report.recommended ? names(c.recommended) : "-"});
  }
  out += table.render();
  if (report.recommended) {
    out += fmt::format("\nRecommended plan (score {:.1f}/100 against the proposal's {:.1f}/100):\n\n",
                       report.recommended->score, report.proposal.score);
    out += render_plan(*report.recommended, estate);
  } else {
    out += "\nNo recommended plan: " + report.recommended_failure + "\n";
  }
  return out;
}

nlohmann::json check_to_json(const CheckReport& report, const model::Estate& estate) {
  nlohmann::json j;
  j["hard_rule_broken"] = report.hard_rule_broken();
  j["findings"] = nlohmann::json::array();
  for (const auto& f : report.findings)
    j["findings"].push_back({{"severity", f.severity == Finding::Severity::error ? "error" : "warning"},
                             {"rule", f.rule},
                             {"server", f.server},
                             {"service", f.service},
                             {"message", f.message}});
  j["comparison"] = nlohmann::json::array();
  for (const auto& c : report.comparison)
    j["comparison"].push_back({{"server", c.server},
                               {"capacity_bytes", c.capacity},
                               {"proposed_memory_bytes", c.proposed_memory},
                               {"recommended_memory_bytes", c.recommended_memory},
                               {"proposed", c.proposed},
                               {"recommended", c.recommended}});
  j["proposal_score"] = report.proposal.score;
  if (report.recommended)
    j["recommended"] = plan_to_json(*report.recommended, estate);
  else
    j["recommended_failure"] = report.recommended_failure;
  return j;
}

}  // namespace rehome::plan
