#include "import/interpolate.hpp"

#include <cctype>

#include "common/error.hpp"

namespace rehome::import {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The end of a `${...}` body starting at `pos` (just after "${"), honouring nested braces.
size_t closing_brace(const std::string& v, size_t pos) {
  int depth = 1;
  for (size_t i = pos; i < v.size(); ++i) {
    if (v[i] == '$' && i + 1 < v.size() && v[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (v[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

std::string expand_braced(const std::string& body, const Variables& vars, const std::string& where) {
  size_t n = 0;
  while (n < body.size() && is_name_char(body[n])) ++n;
  std::string name = body.substr(0, n);
  if (name.empty() || !is_name_start(name[0]))
    throw UserError(where + ": invalid interpolation \"${" + body + "}\"",
                    "a variable name starts with a letter or '_'; write $$ for a literal '$'");
  auto it = vars.find(name);
  bool set = it != vars.end();
  bool non_empty = set && !it->second.empty();
  if (n == body.size()) return set ? it->second : std::string{};

  std::string op = body.substr(n, 1);
  std::string rest = body.substr(n + 1);
  if (op == ":" && !rest.empty() && (rest[0] == '-' || rest[0] == '?' || rest[0] == '+')) {
    op += rest[0];
    rest = rest.substr(1);
  }
  if (op == ":-") return non_empty ? it->second : interpolate(rest, vars, where);
  if (op == "-") return set ? it->second : interpolate(rest, vars, where);
  if (op == ":+") return non_empty ? interpolate(rest, vars, where) : std::string{};
  if (op == "+") return set ? interpolate(rest, vars, where) : std::string{};
  if (op == ":?" || op == "?") {
    bool ok = op == ":?" ? non_empty : set;
    if (ok) return it->second;
    std::string msg = interpolate(rest, vars, where);
    throw UserError(where + ": required variable " + name + " is " + (set ? "empty" : "not set") +
                        (msg.empty() ? "" : ": " + msg),
                    "set " + name + " in the environment or in the .env file (--env-file)");
  }
  throw UserError(where + ": invalid interpolation \"${" + body + "}\"",
                  "use ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} or $$ for a literal '$'");
}

std::string unquote_double(const std::string& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

std::string interpolate(const std::string& value, const Variables& vars, const std::string& where) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '$' || i + 1 >= value.size()) {
      out += c;
      continue;
    }
    char next = value[i + 1];
    if (next == '$') {  // $$ -> $
      out += '$';
      ++i;
    } else if (next == '{') {
      size_t end = closing_brace(value, i + 2);
      if (end == std::string::npos)
        throw UserError(where + ": unterminated \"${\" in \"" + value + "\"",
                        "close it with '}', or write $$ for a literal '$'");
      out += expand_braced(value.substr(i + 2, end - i - 2), vars, where);
      i = end;
    } else if (is_name_start(next)) {
      size_t j = i + 1;
      while (j < value.size() && is_name_char(value[j])) ++j;
      auto it = vars.find(value.substr(i + 1, j - i - 1));
      if (it != vars.end()) out += it->second;
      i = j - 1;
    } else {
      out += c;  // a lone '$' before a non-name character is kept, as Compose does
    }
  }
  return out;
}

Variables parse_env_file(const std::string& text, const std::string& where) {
  Variables vars;
  size_t start = 0;
  int line_no = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    ++line_no;
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(where + ":" + std::to_string(line_no) + ": expected KEY=value",
                      "fix or remove the line; comments start with '#'");
    std::string key = trim(line.substr(0, eq));
    std::string val = trim(line.substr(eq + 1));
    if (val.size() >= 2 && val.front() == '\'' && val.back() == '\'') {
      val = val.substr(1, val.size() - 2);
    } else if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
      val = unquote_double(val.substr(1, val.size() - 2));
    } else {
      size_t hash = val.find(" #");
      if (hash != std::string::npos) val = trim(val.substr(0, hash));
    }
    vars[key] = val;
  }
  return vars;
}

}  // namespace rehome::import
