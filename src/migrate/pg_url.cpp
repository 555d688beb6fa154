#include "migrate/pg_url.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::migrate {
namespace {

std::string quote_conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

PgEndpoint parse_pg_url(const std::string& text, const std::string& flag) {
  const std::string masked = mask_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, masked, why),
                     "give a URL like postgresql://user:password@host:5432/database");
  };
  if (text.empty()) throw bad("empty connection string");
  bool is_url = text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
  if (!is_url && text.find('=') == std::string::npos) throw bad("not a postgresql:// URL");

  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (options == nullptr) {
    std::string why = error ? error : "cannot parse";
    if (error) PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw bad(mask_secrets(why));
  }
  PgEndpoint endpoint;
  endpoint.conninfo = text;
  endpoint.masked = masked;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string key = o->keyword, val = o->val;
    if (key == "host" || (key == "hostaddr" && endpoint.host.empty())) endpoint.host = val;
    if (key == "port") endpoint.port = val;
    if (key == "dbname") endpoint.database = val;
    if (key == "user") endpoint.user = val;
    if (key == "password" && !val.empty()) endpoint.has_password = true;
  }
  PQconninfoFree(options);
  if (endpoint.database.empty()) throw bad("no database name (add /<database> to the URL)");
  if (!endpoint.port.empty() && endpoint.port.find_first_not_of("0123456789") != std::string::npos) {
    throw bad(fmt::format("port '{}' is not a number", endpoint.port));
  }
  return endpoint;
}

PgChildConnection for_child_process(const PgEndpoint& endpoint) {
  PgChildConnection child;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(endpoint.conninfo.c_str(), &error);
  if (options == nullptr) {
    if (error) PQfreemem(error);
    throw UserError("cannot parse connection string " + endpoint.masked);
  }
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    std::string key = o->keyword;
    if (key == "password") {
      child.password = o->val;
      continue;
    }
    if (!child.conninfo_without_password.empty()) child.conninfo_without_password += ' ';
    child.conninfo_without_password += key + "=" + quote_conninfo_value(o->val);
  }
  PQconninfoFree(options);
  return child;
}

}  // namespace rehome::migrate
