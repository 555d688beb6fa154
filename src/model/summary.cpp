#include "model/summary.hpp"

#include <fmt/format.h>

#include "common/table.hpp"

namespace rehome::model {
namespace {

std::string hints_text(const Server& s) {
  std::vector<std::string> parts;
  if (s.hints.edge) parts.push_back("edge");
  if (s.hints.weak) parts.push_back("weak");
  if (s.hints.reliability != Reliability::normal)
    parts.push_back("reliability " + to_string(s.hints.reliability));
  if (s.hints.uptime_days) parts.push_back(fmt::format("up {} days", *s.hints.uptime_days));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "—" : out;
}

Bytes usable(Bytes capacity, double headroom) {
  return static_cast<Bytes>(static_cast<double>(capacity) * (1.0 - headroom));
}

std::string percent(Bytes part, Bytes whole) {
  return whole > 0 ? fmt::format("{:.0f} %", 100.0 * static_cast<double>(part) / static_cast<double>(whole))
                   : "—";
}

void add_group_rows(Table& table, const std::map<std::string, GroupTotals>& groups) {
  for (const auto& [name, g] : groups)
    table.add_row({name, std::to_string(g.services), std::to_string(g.replicas), format_bytes(g.memory),
                   format_cpu(g.cpu)});
}

nlohmann::json group_json(const GroupTotals& g) {
  return {
      {"services", g.services}, {"replicas", g.replicas}, {"memory_bytes", g.memory}, {"cpu_millis", g.cpu}};
}

}  // namespace

EstateSummary summarize(const Estate& estate) {
  EstateSummary out;
  int servers = static_cast<int>(estate.servers.size());
  for (const auto& s : estate.servers) {
    out.memory_capacity += s.memory;
    out.memory_usable += usable(s.memory, estate.headroom);
    out.cpu_capacity += s.cpu();
    out.cpu_usable += usable(s.cpu(), estate.headroom);
  }
  for (const auto& s : estate.services) {
    int replicas = s.global ? servers : s.replicas;
    for (GroupTotals* g :
         {&out.by_category[to_string(s.category)], &out.by_tier[to_string(s.tier)], &out.total}) {
      g->services += 1;
      g->replicas += replicas;
      g->memory += s.resources.memory_reservation * replicas;
      g->cpu += s.resources.cpu_reservation * replicas;
    }
    if (s.resources.estimated) ++out.estimated;
    if (s.has_local_state()) ++out.stateful_local;
  }
  return out;
}

std::string render_summary(const Estate& estate) {
  EstateSummary sum = summarize(estate);
  std::string out = fmt::format("Estate {} ({}): {} servers, {} services, {} replicas\n\n",
                                estate.name.empty() ? "(unnamed)" : estate.name, estate.source_file,
                                estate.servers.size(), sum.total.services, sum.total.replicas);
  Table servers({"server", "address", ">memory", ">CPU", "CPU model", "role", "hints"});
  for (const auto& s : estate.servers)
    servers.add_row({s.name, s.address.empty() ? "—" : s.address, format_bytes(s.memory),
                     fmt::format("{} threads", s.cpu_threads), s.cpu_model.empty() ? "—" : s.cpu_model,
                     to_string(s.role), hints_text(s)});
  out += servers.render() + "\n";

  Table categories({"category", ">services", ">replicas", ">memory", ">CPU"});
  add_group_rows(categories, sum.by_category);
  out += categories.render() + "\n";
  Table tiers({"tier", ">services", ">replicas", ">memory", ">CPU"});
  add_group_rows(tiers, sum.by_tier);
  out += tiers.render() + "\n";

  out += fmt::format("Reserved memory: {} of {} ({}); {} usable after {:.0f} % headroom ({})\n",
                     format_bytes(sum.total.memory), format_bytes(sum.memory_capacity),
                     percent(sum.total.memory, sum.memory_capacity), format_bytes(sum.memory_usable),
                     estate.headroom * 100, percent(sum.total.memory, sum.memory_usable));
  out += fmt::format("Reserved CPU:    {} of {} threads ({})\n", format_cpu(sum.total.cpu),
                     format_cpu(sum.cpu_capacity), percent(sum.total.cpu, sum.cpu_capacity));
  if (sum.total.memory > sum.memory_usable)
    out += "The reservations do not fit: add a server, or lower reservations.\n";
  if (sum.estimated > 0)
    out += fmt::format("{} service(s) have no memory written: a per-category estimate is used (est.).\n",
                       sum.estimated);
  out += fmt::format("{} service(s) keep state on one server's local disk.\n", sum.stateful_local);
  return out;
}

nlohmann::json summary_to_json(const Estate& estate) {
  EstateSummary sum = summarize(estate);
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& s : estate.servers)
    servers.push_back({{"name", s.name},
                       {"address", s.address},
                       {"memory_bytes", s.memory},
                       {"cpu_threads", s.cpu_threads},
                       {"cpu_model", s.cpu_model},
                       {"disk_bytes", s.disk},
                       {"role", to_string(s.role)},
                       {"edge", s.hints.edge},
                       {"weak", s.hints.weak},
                       {"reliability", to_string(s.hints.reliability)}});
  nlohmann::json categories = nlohmann::json::object(), tiers = nlohmann::json::object();
  for (const auto& [name, g] : sum.by_category) categories[name] = group_json(g);
  for (const auto& [name, g] : sum.by_tier) tiers[name] = group_json(g);
  return {{"valid", true},
          {"estate", estate.name},
          {"file", estate.source_file},
          {"servers", servers},
          {"by_category", categories},
          {"by_tier", tiers},
          {"total", group_json(sum.total)},
          {"headroom", estate.headroom},
          {"memory_capacity_bytes", sum.memory_capacity},
          {"memory_usable_bytes", sum.memory_usable},
          {"cpu_capacity_millis", sum.cpu_capacity},
          {"fits", sum.total.memory <= sum.memory_usable && sum.total.cpu <= sum.cpu_usable},
          {"estimated_services", sum.estimated},
          {"stateful_local_services", sum.stateful_local}};
}

nlohmann::json problems_to_json(const std::vector<Problem>& problems) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems)
    list.push_back({{"file", p.where.file},
                    {"line", p.where.line},
                    {"column", p.where.column},
                    {"path", p.path},
                    {"message", p.message},
                    {"hint", p.hint}});
  return list;
}

}  // namespace rehome::model
