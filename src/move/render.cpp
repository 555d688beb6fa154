// The dry run of a move: an aligned table for people, JSON for programs.
#include <fmt/format.h>

#include "common/table.hpp"
#include "move/executor.hpp"

namespace rehome::move {
namespace {

std::string status_of(const Journal& jr, const std::string& id) {
  auto it = jr.steps.find(id);
  return it == jr.steps.end() ? "pending" : it->second.status;
}

nlohmann::json actions_json(const std::vector<Action>& actions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : actions)
    out.push_back(
        {{"host", a.host.empty() ? "local" : a.host}, {"command", a.command}, {"in_process", a.in_process}});
  return out;
}

}  // namespace

std::string render_plan(const Move& m, const Journal& jr) {
  std::string out = fmt::format(
      "Dry run of the move of estate {} from {} onto the cluster (first manager {}): {} steps, {} data "
      "items, "
      "{} old writers frozen.\nNothing is run; --execute runs it (journal in the work folder: a second run "
      "resumes).\n\n",
      m.estate, m.old_server, m.first_manager, m.steps.size(), m.data.size(), m.writers.size());
  Table t({">#", "step", "status", "on", "command"});
  int n = 0;
  for (const auto& s : m.steps) {
    ++n;
    if (s.point_of_no_return)
      t.add_row({"", "POINT OF NO RETURN", "", "", "confirmed (--yes or a prompt) before the next step"});
    bool first = true;
    auto row = [&](const std::string& prefix, const Action& a) {
      t.add_row({first ? std::to_string(n) : "", first ? s.id : "", first ? status_of(jr, s.id) : "",
                 a.host.empty() ? "local" : a.host,
                 prefix + a.command + (a.in_process ? "  (in process)" : "")});
      first = false;
    };
    for (const auto& a : s.actions) row("", a);
    for (const auto& a : s.checks) row("check: ", a);
    for (const auto& a : s.rollback) row("undo: ", a);
    if (s.rollback.empty()) row("undo: ", {"", s.rollback_note, false});
  }
  out += t.render();
  out += fmt::format("\nPoint of no return: {}{}.\n",
                     m.point_of_no_return.empty() ? "none" : m.point_of_no_return,
                     m.point_of_no_return.empty()
                         ? ""
                         : " (the new writers start: up to it, --rollback undoes every step, newest first)");
  // How each final sync runs, and why (a follow's cutover, or a whole pass and the reason): the freeze
  // depends on it.
  bool heading = false;
  for (const auto& s : m.steps) {
    if (s.kind != "final-sync" || !s.data) continue;
    if (!heading) out += "Final sync of each data item:\n";
    heading = true;
    out += fmt::format("  - {}\n", s.what);
  }
  if (!m.writers.empty()) {
    out +=
        "Write freeze (measured per service, from the stop of its old writers to its new instance running): ";
    for (size_t i = 0; i < m.writers.size(); ++i) out += (i ? ", " : "") + m.writers[i];
    out += ".\n";
  }
  return out;
}

nlohmann::json to_json(const Move& m, const Journal& jr) {
  nlohmann::json steps = nlohmann::json::array(), data = nlohmann::json::array();
  for (const auto& s : m.steps)
    steps.push_back({{"id", s.id},
                     {"kind", s.kind},
                     {"title", s.title},
                     {"what", s.what},
                     {"status", status_of(jr, s.id)},
                     {"actions", actions_json(s.actions)},
                     {"checks", actions_json(s.checks)},
                     {"rollback", actions_json(s.rollback)},
                     {"rollback_note", s.rollback_note},
                     {"freezes", s.freezes},
                     {"thaws", s.thaws},
                     {"point_of_no_return", s.point_of_no_return}});
  for (const auto& d : m.data)
    data.push_back({{"service", d.service},
                    {"engine", d.engine},
                    {"database", d.database},
                    {"to_server", d.to_server},
                    {"from", d.from_url},
                    {"to", d.to_url}});
  return {{"kind", "rehome.move-plan"},
          {"format", 1},
          {"estate", m.estate},
          {"old_server", m.old_server},
          {"first_manager", m.first_manager},
          {"point_of_no_return", m.point_of_no_return},
          {"writers", m.writers},
          {"data", data},
          {"steps", steps}};
}

}  // namespace rehome::move
