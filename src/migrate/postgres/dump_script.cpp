#include "migrate/postgres/dump_script.hpp"

#include <sstream>

namespace rehome::migrate {
namespace {

// "-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres"
bool parse_header(const std::string& line, DumpEntry& entry) {
  static const std::string prefix = "-- Name: ";
  if (line.rfind(prefix, 0) != 0) return false;
  auto field = [&](const std::string& key) -> std::string {
    std::string marker = "; " + key + ": ";
    size_t at = line.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    size_t end = line.find("; ", at);
    return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
  };
  size_t name_end = line.find("; Type: ");
  if (name_end == std::string::npos) return false;
  entry.name = line.substr(prefix.size(), name_end - prefix.size());
  entry.type = field("Type");
  entry.schema = field("Schema");
  return true;
}

bool only_comments_or_blank(const std::string& sql) {
  std::istringstream in(sql);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.rfind("--", 0) != 0) return false;
  }
  return true;
}

}  // namespace

DumpScript parse_dump_script(const std::string& text) {
  DumpScript script;
  std::istringstream in(text);
  DumpEntry* current = nullptr;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '\\') continue;  // psql meta-commands: \restrict, \connect
    DumpEntry header;
    if (parse_header(line, header)) {
      // The "--" line before the header already went to the previous entry: harmless comment.
      script.entries.push_back(std::move(header));
      current = &script.entries.back();
      continue;
    }
    std::string& sink = current ? current->sql : script.preamble;
    sink += line;
    sink += '\n';
  }
  // pg_dump ends with a "dump complete" comment that lands in the last entry; drop entries that
  // hold nothing but comments.
  std::vector<DumpEntry> kept;
  for (auto& e : script.entries) {
    if (!only_comments_or_blank(e.sql)) kept.push_back(std::move(e));
  }
  script.entries = std::move(kept);
  return script;
}

int post_data_wave(const DumpEntry& entry) {
  const std::string& t = entry.type;
  if (t == "INDEX" || t == "CONSTRAINT") return 0;
  if (t == "FK CONSTRAINT" || t == "INDEX ATTACH" || t == "CLUSTER") return 1;
  return 2;
}

std::string entry_table(const DumpEntry& entry) {
  const std::string& t = entry.type;
  bool on_table = t == "CONSTRAINT" || t == "FK CONSTRAINT" || t == "TRIGGER" || t == "RULE" || t == "POLICY";
  size_t space = entry.name.find(' ');
  if (!on_table || space == std::string::npos) return {};
  return entry.name.substr(0, space);
}

std::string entry_object(const DumpEntry& entry) {
  std::string table = entry_table(entry);
  return table.empty() ? entry.name : entry.name.substr(table.size() + 1);
}

}  // namespace rehome::migrate
