// The report as one self-contained page: inline CSS and SVG, no script, no network.
#include <fmt/format.h>

#include "report/report.hpp"

namespace rehome::report {
namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* kStyle = R"(
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;color:#1d232b}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:0 0 10px}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:16px 20px;margin:0 0 16px}
.verdict{border-left:8px solid #8a94a3}.verdict.migrated{border-left-color:#2e9d57}
.verdict.failed{border-left-color:#c93a3a}.verdict.in_progress{border-left-color:#d89a18}
.headline{font-size:20px;font-weight:650;margin:0 0 8px}
ul.points{margin:0;padding-left:20px}ul.points li{margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceef1;vertical-align:top}
th{color:#5b6573;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#23804a;font-weight:600}.bad{color:#b42d2d;font-weight:600}.warn{color:#a56b00;font-weight:600}
.muted{color:#6b7482}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.chips span{display:inline-block;background:#eef1f5;border-radius:10px;padding:1px 8px;margin:2px 3px 2px 0;font-size:13px}
code{font-size:12px}
)";

// "⚠️ Partial" -> "Partial": the cell's colour says it, and a headless or plain system may have no
// emoji font (it drew an empty box).
std::string without_emoji(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x80) ++i;
  if (i == 0) return s;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::string status_class(const std::string& s) {
  if (s == "done" || s == "verified" || s == "Passed" || s == "yes" || s.rfind("Yes", 0) == 0) return "ok";
  if (s == "failed" || s == "mismatch" || s == "Failed" || s == "NO" || s.rfind("No", 0) == 0) return "bad";
  if (s == "skipped" || s == "pending") return "muted";
  return "warn";
}

const char* bar_colour(double share) { return share < 0.7 ? "#3aa76d" : share < 0.9 ? "#e0a526" : "#d04a4a"; }

// Horizontal bars, one group per server: memory and CPU as a share of what it has.
std::string bars(const std::vector<Load>& loads, const std::string& title) {
  const int label_w = 110, bar_w = 300, row_h = 46, top = 22;
  int h = top + static_cast<int>(loads.size()) * row_h + 8;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"{}\" font-family=\"system-ui,sans-serif\" font-size=\"12\">",
      label_w + bar_w + 230, h, esc(title));
  svg += fmt::format("<text x=\"0\" y=\"14\" font-weight=\"600\" fill=\"#333\">{}</text>", esc(title));
  int y = top;
  for (const auto& l : loads) {
    svg += fmt::format("<text x=\"0\" y=\"{}\" fill=\"#1d232b\">{}</text>", y + 16, esc(l.server));
    double shares[2] = {l.memory_share(), l.cpu_share()};
    std::string captions[2] = {
        fmt::format("mem {} / {}", model::format_bytes(l.memory_used),
                    model::format_bytes(l.memory_capacity)),
        fmt::format("cpu {} / {}", model::format_cpu(l.cpu_used), model::format_cpu(l.cpu_capacity))};
    for (int i = 0; i < 2; ++i) {
      int by = y + i * 19;
      double s = shares[i];
      int w = static_cast<int>(bar_w * std::min(s, 1.0));
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" rx=\"3\" fill=\"#eceef1\"/>",
                         label_w, by, bar_w);
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" rx=\"3\" fill=\"{}\"/>", label_w,
                         by, w, bar_colour(s));
      svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#333\">{:.0f}% {}</text>", label_w + bar_w + 6,
                         by + 12, s * 100, esc(captions[i]));
    }
    y += row_h;
  }
  return svg + "</svg>";
}

std::string table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                  int status_column = -1) {
  std::string t = "<table><tr>";
  for (const auto& h : headers) t += "<th>" + esc(h) + "</th>";
  t += "</tr>";
  for (const auto& row : rows) {
    t += "<tr>";
    for (size_t i = 0; i < row.size(); ++i)
      t += static_cast<int>(i) == status_column
               ? fmt::format("<td class=\"{}\">{}</td>", status_class(row[i]), esc(row[i]))
               : "<td>" + esc(row[i]) + "</td>";
    t += "</tr>";
  }
  return t + "</table>";
}

std::string section(const std::string& id, const std::string& title, const std::string& body) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2>{}</section>\n", id, esc(title), body);
}

std::string empty_note(const std::string& text) { return "<p class=\"muted\">" + esc(text) + "</p>"; }

const char* verdict_class(Verdict v) {
  switch (v) {
    case Verdict::migrated:
      return "migrated";
    case Verdict::failed:
      return "failed";
    case Verdict::in_progress:
      return "in_progress";
    case Verdict::planned:
      return "planned";
  }
  return "planned";
}

std::string score_text(const validate::Score& s) {
  return s.total() ? fmt::format("{:.0f}%", s.percent()) : "—";
}

std::string validation_body(const validate::Suite& v) {
  std::vector<std::vector<std::string>> rows;
  auto row = [](const std::string& title, const validate::Score& s) {
    return std::vector<std::string>{title,
                                    fmt::format("{}/{}", s.passed, s.total()),
                                    std::to_string(s.skipped),
                                    std::to_string(s.partial),
                                    std::to_string(s.failed),
                                    score_text(s)};
  };
  for (auto a : validate::kAreas) rows.push_back(row(validate::to_string(a), v.score(a)));
  rows.push_back(row("TOTAL", v.overall()));
  std::string body = table({"Test Category", "Passed", "Skipped", "Partial", "Failed", "Score"}, rows);
  std::vector<std::vector<std::string>> notes;
  for (const auto& p : v.results)
    if (p.outcome != validate::Outcome::passed)
      notes.push_back({validate::to_string(p.outcome), p.name, p.reason});
  if (!notes.empty())
    body += "<h2 style=\"margin-top:14px\">Not passed</h2>" + table({"Outcome", "Probe", "Reason"}, notes, 0);
  return body;
}

}  // namespace

std::string to_html(const Report& r) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>rehome report: {}</title><style>{}</style></head><body><main>\n",
      esc(r.estate), kStyle);
  std::string points;
  for (const auto& k : r.key_points) points += "<li>" + esc(k) + "</li>";
  html += fmt::format(
      "<section id=\"verdict\" class=\"verdict {}\"><h1>rehome report: {}</h1><p class=\"headline\">{}</p>"
      "<ul class=\"points\">{}</ul></section>\n",
      verdict_class(r.verdict), esc(r.estate), esc(r.headline), points);

  html += section("resources", "Memory and CPU, before and after",
                  "<div class=\"grid\"><div>" + bars({r.before}, "Before: everything on the old host") +
                      "</div><div>" + bars(r.after, "After: per server, from the plan") + "</div></div>");

  std::string placement = "<table><tr><th>Server</th><th class=\"num\">Count</th><th>Services</th></tr>";
  for (const auto& [server, services] : r.placement) {
    std::string chips;
    for (const auto& svc : services) chips += "<span>" + esc(svc) + "</span>";
    placement += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"chips\">{}</td></tr>",
                             esc(server), services.size(), chips);
  }
  html += section("placement", "Placement", placement + "</table>");

  std::vector<std::vector<std::string>> failover;
  for (const auto& f : r.failover)
    failover.push_back({f.scenario, without_emoji(f.automatic), f.downtime, f.notes});
  html += section("failover", "Failover: losing one server",
                  failover.empty()
                      ? empty_note("Not analysed.")
                      : fmt::format("<p>Every service stays up in {:.0f}% of single-server failures.</p>",
                                    r.failover_score * 100) +
                            table({"Scenario", "Automatic recovery", "Downtime", "Notes"}, failover, 1));

  std::string drills;
  for (const auto& d : r.drills) {
    auto v = drill_view(d);
    drills += fmt::format("<h2>{}</h2><p>{}</p>", esc(v.title), esc(v.summary)) +
              table({"Service", "From", "Predicted", "Measured", "Verdict"}, v.rows, 4);
  }
  html +=
      section("drill", "Drill: a node killed, recovery measured",
              drills.empty() ? empty_note("Not run yet: rehome drill --evidence DIR writes it.") : drills);

  std::vector<std::vector<std::string>> migrations;
  for (const auto& m : r.migrations) migrations.push_back({m.name, m.status, m.detail});
  html += section("migration", "Migration verification",
                  migrations.empty() ? empty_note("No database has been migrated yet.")
                                     : table({"Database", "Status", "Details"}, migrations, 1));

  html += section("validation", "Validation",
                  r.validation ? validation_body(*r.validation)
                               : empty_note("Not run yet: rehome validate --evidence DIR writes it."));

  std::vector<std::vector<std::string>> backups;
  for (const auto& b : r.backups)
    backups.push_back(
        {b.file, model::format_bytes(b.size), b.sha256.substr(0, 16) + "…", b.verified ? "yes" : "NO"});
  html += section("backups", "Backups",
                  backups.empty() ? empty_note("No hashed backup found.")
                                  : table({"File", "Size", "SHA-256", "Verifies now"}, backups, 3));

  std::vector<std::vector<std::string>> phases;
  for (const auto& p : r.phases) phases.push_back({p.name, p.status, p.detail});
  html += section("phases", "Phases",
                  phases.empty() ? empty_note("Not started: rehome migrate run --execute records them.")
                                 : table({"Phase", "Status", "Time and result"}, phases, 1));
  std::vector<std::vector<std::string>> downtime;
  for (const auto& d : r.downtime) downtime.push_back({d.name, d.status, d.detail});
  html += section(
      "downtime", "Downtime",
      r.downtime_note.empty()
          ? empty_note("No cutover recorded: rehome move --execute measures it.")
          : "<p>" + esc(r.downtime_note) + "</p>" + table({"Service", "Write freeze", "Measured"}, downtime));
  if (!r.problems.empty()) {
    std::string items;
    for (const auto& p : r.problems) items += "<li>" + esc(p) + "</li>";
    html += section("notes", "Notes", "<ul>" + items + "</ul>");
  }
  return html + "</main></body></html>\n";
}

}  // namespace rehome::report
