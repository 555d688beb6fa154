// The dry run of a move: an aligned table for people, JSON for programs. A command longer than
// kInlineCommand goes on its own lines under its row, wrapped at spaces to kWrapWidth columns, so the
// table stays 120-160 columns wide however long the commands are (--json has every command whole).
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "common/table.hpp"
#include "move/executor.hpp"

namespace rehome::move {
namespace {

std::string status_of(const Journal& jr, const std::string& id) {
  auto it = jr.steps.find(id);
  return it == jr.steps.end() ? "pending" : it->second.status;
}

constexpr size_t kInlineCommand = 60;
constexpr size_t kWrapWidth = 120;
const std::string kWrapIndent(8, ' ');

// `text` in lines of at most kWrapWidth columns (indent included), broken at spaces; a word longer
// than a line is cut (the JSON has it whole).
std::vector<std::string> wrap(const std::string& text, size_t width = kWrapWidth - kWrapIndent.size()) {
  std::vector<std::string> lines{""};
  std::istringstream words(text);
  for (std::string w; words >> w;) {
    while (display_width(w) > width) {
      if (!lines.back().empty()) lines.emplace_back();
      lines.back() = w.substr(0, width);
      w = w.substr(width);
      lines.emplace_back();
    }
    if (!lines.back().empty() && display_width(lines.back()) + 1 + display_width(w) > width)
      lines.emplace_back();
    lines.back() += (lines.back().empty() ? "" : " ") + w;
  }
  if (lines.back().empty() && lines.size() > 1) lines.pop_back();
  return lines;
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
  std::map<size_t, std::vector<std::string>> below;  // table row -> the wrapped lines under it
  size_t rows = 0;
  int n = 0;
  for (const auto& s : m.steps) {
    ++n;
    if (s.point_of_no_return) {
      t.add_row({"", "POINT OF NO RETURN", "", "", "confirmed (--yes or a prompt) before the next step"});
      ++rows;
    }
    bool first = true;
    auto row = [&](const std::string& prefix, const Action& a) {
      const std::string suffix = a.in_process ? "  (in process)" : "";
      std::string cell = prefix + a.command + suffix;
      if (display_width(cell) > kInlineCommand) {
        cell = prefix + "(below)" + suffix;
        for (const auto& l : wrap(a.command)) below[rows].push_back(kWrapIndent + l);
      }
      t.add_row({first ? std::to_string(n) : "", first ? s.id : "", first ? status_of(jr, s.id) : "",
                 a.host.empty() ? "local" : a.host, cell});
      ++rows;
      first = false;
    };
    for (const auto& a : s.actions) row("", a);
    for (const auto& a : s.checks) row("check: ", a);
    for (const auto& a : s.rollback) row("undo: ", a);
    if (s.rollback.empty()) row("undo: ", {"", s.rollback_note, false});
  }
  std::istringstream table(t.render());
  std::string line;
  for (size_t i = 0; std::getline(table, line); ++i) {
    out += line + "\n";
    if (i < 2) continue;  // the header and its rule
    if (auto it = below.find(i - 2); it != below.end())
      for (const auto& l : it->second) out += l + "\n";
  }
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
    const auto lines = wrap(s.what, kWrapWidth - 4);
    for (size_t i = 0; i < lines.size(); ++i) out += (i ? "    " : "  - ") + lines[i] + "\n";
  }
  if (!m.writers.empty()) {
    std::string text =
        "Write freeze (measured per service, from the stop of its old writers to its new instance running): ";
    for (size_t i = 0; i < m.writers.size(); ++i) text += (i ? ", " : "") + m.writers[i];
    for (const auto& l : wrap(text + ".", kWrapWidth)) out += l + "\n";
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
