// mariadb-binlog's text output, read (pure: unit-tested). The output is a script for the mariadb
// client: "DELIMITER /*!*/;" then statements ending with the delimiter, each event introduced by a
// comment header naming its type and end position:
//   # at 1890
//   #261207  5:53:23 server id 7  end_log_pos 1932 CRC32 0x01a61ef6   GTID 0-7-8 trans
//   START TRANSACTION
//   /*!*/;
//   #261207  5:53:23 server id 7  end_log_pos 2038 CRC32 0xe34cc2aa   Table_map: `app`.`t` mapped to number
//   22 BINLOG ' 00kWaxMHAAAAMgAAAPYHAAAAABYAAAAAAAEABGFwcDIAAXQAAwMP9gRQAAoCBqrCTOM=
//   '/*!*/;
//   #261207  5:53:23 server id 7  end_log_pos 2114 CRC32 0xf963938f   Xid = 25
//   COMMIT/*!*/;
// Comment lines inside a statement (a multi-line DDL) belong to the statement.
#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "migrate/mariadb/follow_steps.hpp"

namespace rehome::migrate {

std::string BinlogPosition::text() const { return fmt::format("{}:{}", file, pos); }

namespace {

int64_t file_number(const std::string& file) {
  auto dot = file.rfind('.');
  if (dot == std::string::npos) return -1;
  try {
    return std::stoll(file.substr(dot + 1));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

int compare_positions(const BinlogPosition& a, const BinlogPosition& b) {
  int64_t fa = file_number(a.file), fb = file_number(b.file);
  if (fa != fb) return fa < fb ? -1 : 1;
  if (fa < 0 && a.file != b.file) return a.file < b.file ? -1 : 1;
  if (a.pos != b.pos) return a.pos < b.pos ? -1 : 1;
  return 0;
}

std::optional<BinlogPosition> parse_binlog_position(const std::string& text) {
  std::string head = text.substr(0, text.find(','));
  auto colon = head.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  BinlogPosition p{head.substr(0, colon), 0};
  try {
    size_t used = 0;
    p.pos = std::stoll(head.substr(colon + 1), &used);
    if (used != head.size() - colon - 1 || p.pos < 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return p;
}

namespace mariadb {
namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `name` at `i` (backticks doubled inside); advances `i` past it.
std::string quoted_name(std::string_view s, size_t& i) {
  std::string out;
  if (i >= s.size() || s[i] != '`') return out;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '`') {
      if (i + 1 < s.size() && s[i + 1] == '`') {
        out += '`';
        ++i;
        continue;
      }
      ++i;
      break;
    }
    out += s[i];
  }
  return out;
}

// "#YYMMDD hh:mm:ss server id N  end_log_pos P [CRC32 0x...] <description>"
std::optional<BinlogItem> header(std::string_view line) {
  if (line.size() < 8 || line[0] != '#' || !std::isdigit(static_cast<unsigned char>(line[1])))
    return std::nullopt;
  auto at = line.find(" end_log_pos ");
  if (at == std::string_view::npos || line.find(" server id ") == std::string_view::npos) return std::nullopt;
  size_t i = at + 13;
  BinlogItem item{.kind = BinlogItem::Kind::header};
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])))
    item.end_pos = item.end_pos * 10 + (line[i++] - '0');
  std::string_view rest = trim(line.substr(i));
  if (starts_with_ci(rest, "CRC32 ")) {
    auto space = rest.find_first_of(" \t", 6);
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
  }
  auto end = rest.find_first_of(" \t:");
  item.event = std::string(rest.substr(0, end));
  if (item.event == "Table_map") {
    auto q = rest.find('`');
    if (q != std::string_view::npos) {
      item.table_db = quoted_name(rest, q);
      if (q < rest.size() && rest[q] == '.') ++q;
      item.table_name = quoted_name(rest, q);
    }
  } else if (item.event == "Rotate") {
    // "Rotate to binlog.000002  pos: 4"
    auto to = rest.find("to ");
    auto pos = rest.find("pos: ");
    if (to != std::string_view::npos && pos != std::string_view::npos) {
      item.rotate_file = std::string(trim(rest.substr(to + 3, pos - to - 3)));
      for (size_t k = pos + 5; k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k])); ++k)
        item.rotate_pos = item.rotate_pos * 10 + (rest[k] - '0');
    }
  }
  return item;
}

}  // namespace

void BinlogTextParser::line(std::string_view text, std::vector<BinlogItem>& out) {
  if (buffer_.empty()) {
    std::string_view t = trim(text);
    if (t.empty()) return;
    if (t[0] == '#') {
      if (auto h = header(t)) out.push_back(std::move(*h));
      return;  // "# at N", "#Q> ...", "# Number of rows", "# End of log file"
    }
    if (starts_with_ci(t, "DELIMITER ")) {
      delimiter_ = std::string(trim(t.substr(10)));
      return;
    }
  }
  if (!buffer_.empty()) buffer_ += '\n';
  buffer_.append(text);
  std::string_view b = buffer_;
  while (!b.empty() && std::isspace(static_cast<unsigned char>(b.back()))) b.remove_suffix(1);
  if (b.size() >= delimiter_.size() && b.substr(b.size() - delimiter_.size()) == delimiter_) {
    b.remove_suffix(delimiter_.size());
    std::string sql(trim(b));
    buffer_.clear();
    if (!sql.empty()) out.push_back({.kind = BinlogItem::Kind::statement, .sql = std::move(sql)});
  }
}

StatementKind classify_statement(const std::string& sql, std::string* argument) {
  std::string_view s = trim(sql);
  if (starts_with_ci(s, "BINLOG")) return StatementKind::binlog;
  if (starts_with_ci(s, "START TRANSACTION") || (starts_with_ci(s, "BEGIN") && trim(s.substr(5)).empty()))
    return StatementKind::begin;
  if (starts_with_ci(s, "COMMIT") && (s.size() == 6 || !std::isalnum(static_cast<unsigned char>(s[6]))))
    return StatementKind::commit;
  if (starts_with_ci(s, "ROLLBACK") && (s.size() == 8 || !std::isalnum(static_cast<unsigned char>(s[8]))))
    return StatementKind::rollback;
  if (starts_with_ci(s, "/*!\\C ")) {
    if (argument) {
      std::string_view rest = s.substr(6);
      *argument = std::string(trim(rest.substr(0, rest.find("*/"))));
    }
    return StatementKind::charset;
  }
  if (starts_with_ci(s, "use ")) {
    if (argument) {
      std::string_view rest = trim(s.substr(4));
      size_t i = 0;
      *argument = rest.starts_with('`') ? quoted_name(rest, i) : std::string(rest);
    }
    return StatementKind::use;
  }
  for (const char* id : {"@@session.server_id", "@@session.gtid_domain_id", "@@session.gtid_seq_no",
                         "@@session.skip_parallel_replication"}) {
    if (s.find(id) != std::string_view::npos && (starts_with_ci(s, "/*") || starts_with_ci(s, "SET ")))
      return StatementKind::identity;
  }
  if (starts_with_ci(s, "SET ")) return StatementKind::session;
  if (starts_with_ci(s, "/*!") || starts_with_ci(s, "/*M!")) {
    // Version comments: "/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/" and the like.
    auto body = s.substr(s.find_first_of(" ", 2) == std::string_view::npos ? s.size() : s.find(' '));
    if (starts_with_ci(trim(body), "SET ")) return StatementKind::session;
  }
  return StatementKind::query;
}

}  // namespace mariadb
}  // namespace rehome::migrate
