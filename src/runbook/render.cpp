#include "runbook/render.hpp"

#include <fmt/format.h>

#include "runbook/shell.hpp"

namespace rehome::runbook {

std::string to_markdown(const Runbook& rb) {
  std::string md = fmt::format("# Runbook: moving {} onto the cluster\n\n", rb.estate);
  md += fmt::format(
      "Everything runs today on **{}**. Each step below says what it does, the exact command, how it is "
      "verified "
      "and how it is rolled back. `rehome migrate run` carries it out (`--execute`), records progress and "
      "resumes "
      "after an interruption. Cleanup (phase 7) is refused until {} after the phase it cleans up after.\n\n",
      rb.old_server, model::format_duration(rb.verification_window));
  if (!rb.credential_variables.empty())
    md += fmt::format(
        "Credentials are never written here: the commands read them from the credentials file "
        "(`--credentials`, "
        "shell `NAME=value` lines): {}. `<SERVICE>_OLD_HOST/_OLD_PORT/_NEW_HOST/_NEW_PORT` may override "
        "where a "
        "database is reached.\n\n",
        join(
            [&] {
              std::vector<std::string> v;
              for (const auto& n : rb.credential_variables) v.push_back("`" + n + "`");
              return v;
            }(),
            ", "));
  md += "| Phase | Steps |\n|---|---|\n";
  for (const auto& p : rb.phases) md += fmt::format("| {}. {} | {} |\n", p.number, p.name, p.steps.size());
  for (const auto& p : rb.phases) {
    md += fmt::format("\n## Phase {}: {}\n\n{}\n", p.number, p.name, p.purpose);
    if (p.steps.empty()) md += "\nNothing to do for this estate.\n";
    int i = 0;
    for (const auto& s : p.steps) {
      md += fmt::format("\n### {}.{} {}\n\n{}\n\n", p.number, ++i, s.title, s.what);
      md += fmt::format("- Step id: `{}`; runs on: {}\n", s.id, s.host.empty() ? "this machine" : s.host);
      if (s.gate_after_phase >= 0)
        md += fmt::format("- Not before {} after phase {} completed (`--force` overrides)\n",
                          model::format_duration(rb.verification_window), s.gate_after_phase);
      md += fmt::format("\nCommand:\n\n```sh\n{}\n```\n\n", s.command);
      md += s.verify.empty() ? "Verified by: the command's exit status.\n\n"
                             : fmt::format("Verified by:\n\n```sh\n{}\n```\n\n", s.verify);
      md += fmt::format("Rollback:\n\n```sh\n{}\n```\n", s.rollback);
    }
  }
  return md;
}

nlohmann::json to_json(const Runbook& rb) {
  nlohmann::json j;
  j["estate"] = rb.estate;
  j["old_server"] = rb.old_server;
  j["verification_window_ms"] = rb.verification_window;
  j["credential_variables"] = rb.credential_variables;
  j["phases"] = nlohmann::json::array();
  for (const auto& p : rb.phases) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : p.steps) {
      nlohmann::json js{
          {"id", s.id},           {"title", s.title},   {"what", s.what},        {"host", s.host},
          {"command", s.command}, {"verify", s.verify}, {"rollback", s.rollback}};
      if (s.gate_after_phase >= 0) js["not_before_window_after_phase"] = s.gate_after_phase;
      steps.push_back(js);
    }
    j["phases"].push_back({{"number", p.number}, {"name", p.name}, {"purpose", p.purpose}, {"steps", steps}});
  }
  return j;
}

}  // namespace rehome::runbook
