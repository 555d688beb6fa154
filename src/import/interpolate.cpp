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

std::string expand_braced(const std::string& body, Interpolation& ctx, const std::string& where) {
  const Variables& vars = ctx.vars;
  size_t n = 0;
  while (n < body.size() && is_name_char(body[n])) ++n;
  std::string name = body.substr(0, n);
  if (name.empty() || !is_name_start(name[0]))
    throw UserError(where + ": invalid interpolation \"${" + body + "}\"",
                    "a variable name starts with a letter or '_'; write $$ for a literal '$'");
  auto it = vars.find(name);
  bool set = it != vars.end();
  bool non_empty = set && !it->second.empty();
  const bool secret = ctx.mark_secrets && (is_secret_name(name) || ctx.secret_vars.count(name) > 0);
  // A secret's value never enters the tree: the expression stays, marked, for the mapper.
  auto value = [&] { return secret ? kSecretOpen + ("${" + body + "}") + kSecretClose : it->second; };
  if (n == body.size()) {
    if (!set) ctx.unset.push_back(where + ": " + name);
    return set ? value() : std::string{};
  }

  std::string op = body.substr(n, 1);
  std::string rest = body.substr(n + 1);
  if (op == ":" && !rest.empty() && (rest[0] == '-' || rest[0] == '?' || rest[0] == '+')) {
    op += rest[0];
    rest = rest.substr(1);
  }
  if (op == ":-") return non_empty ? value() : interpolate(rest, ctx, where);
  if (op == "-") return set ? value() : interpolate(rest, ctx, where);
  if (op == ":+") return non_empty ? interpolate(rest, ctx, where) : std::string{};
  if (op == "+") return set ? interpolate(rest, ctx, where) : std::string{};
  if (op == ":?" || op == "?") {
    bool ok = op == ":?" ? non_empty : set;
    if (ok) return value();
    std::string msg = interpolate(rest, ctx, where);
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
  Interpolation ctx{vars, false, {}};
  return interpolate(value, ctx, where);
}

std::string interpolate(const std::string& value, Interpolation& ctx, const std::string& where) {
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
      out += expand_braced(value.substr(i + 2, end - i - 2), ctx, where);
      i = end;
    } else if (is_name_start(next)) {
      size_t j = i + 1;
      while (j < value.size() && is_name_char(value[j])) ++j;
      out += expand_braced(value.substr(i + 1, j - i - 1), ctx, where);
      i = j - 1;
    } else {
      out += c;  // a lone '$' before a non-name character is kept, as Compose does
    }
  }
  return out;
}

bool is_secret_name(const std::string& name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.size() > 5 && upper.ends_with("_FILE")) return false;
  for (const char* word : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE"})
    if (upper.find(word) != std::string::npos) return true;
  size_t start = 0;
  while (start <= upper.size()) {
    size_t end = upper.find_first_of("_.-", start);
    if (end == std::string::npos) end = upper.size();
    std::string part = upper.substr(start, end - start);
    if (part == "PASS" || part == "PWD" || (part.size() >= 3 && part.ends_with("KEY")) ||
        part.ends_with("PASS"))
      return true;
    start = end + 1;
  }
  return false;
}

bool has_inline_credentials(const std::string& value) {
  // scheme://user:password@host (a non-empty password before the '@' of the authority)
  for (size_t at = value.find("://"); at != std::string::npos; at = value.find("://", at + 3)) {
    size_t start = at + 3;
    size_t end = value.find_first_of("/?# \t\"'", start);
    std::string authority = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t arobase = authority.rfind('@');
    if (arobase == std::string::npos) continue;
    size_t colon = authority.find(':');
    if (colon != std::string::npos && colon < arobase && colon + 1 < arobase) return true;
  }
  std::string lower;
  for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* key : {"password=", "pwd=", "passwd="}) {
    size_t pos = lower.find(key);
    if (pos != std::string::npos && pos + std::string(key).size() < lower.size() &&
        lower[pos + std::string(key).size()] != ' ' && lower[pos + std::string(key).size()] != ';')
      return true;
  }
  return false;
}

std::string unmark(const std::string& value) {
  std::string out;
  for (char c : value)
    if (c != kSecretOpen && c != kSecretClose) out += c;
  return out;
}

bool has_secret_mark(const std::string& value) { return value.find(kSecretOpen) != std::string::npos; }

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
