#include "engines/postgres_url.hpp"

#include <libpq-fe.h>

#include <memory>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"
#include "engines/url.hpp"

namespace rehome::engines {
namespace {

std::string quote_conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

bool is_pg_url(const std::string& text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

// libpq's own parse of a URL or keyword string; nullptr with `why` set when it refuses.
using Options = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;
Options parse_options(const std::string& text, std::string& why) {
  char* error = nullptr;
  Options options(PQconninfoParse(text.c_str(), &error), &PQconninfoFree);
  if (!options) {
    why = error ? error : "cannot parse";
    if (error) PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    why = mask_secrets(why);
  }
  return options;
}

}  // namespace

PgEndpoint parse_pg_url(const std::string& text, const std::string& flag, PgDatabase database) {
  const std::string masked = masked_url(text);
  auto bad = [&](const std::string& why) {
    return UserError(fmt::format("{} {}: {}", flag, masked, why),
                     "give a URL like postgresql://user@host:5432/database (the password in ~/.pgpass, "
                     "PGPASSFILE or PGPASSWORD, or in the URL)");
  };
  if (text.empty()) throw bad("empty connection string");
  if (!is_pg_url(text) && text.find('=') == std::string::npos) throw bad("not a postgresql:// URL");

  std::string why;
  Options options = parse_options(text, why);
  if (!options) throw bad(why);
  PgEndpoint endpoint;
  endpoint.conninfo = text;
  endpoint.masked = masked;
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string key = o->keyword, val = o->val;
    if (key == "host" || (key == "hostaddr" && endpoint.host.empty())) endpoint.host = val;
    if (key == "port") endpoint.port = val;
    if (key == "dbname") endpoint.database = val;
    if (key == "user") endpoint.user = val;
    if (key == "password" && !val.empty()) endpoint.has_password = true;
  }
  if (database == PgDatabase::required && endpoint.database.empty())
    throw bad("no database name (add /<database> to the URL)");
  if (!endpoint.port.empty() && endpoint.port.find_first_not_of("0123456789") != std::string::npos) {
    throw bad(fmt::format("port '{}' is not a number", endpoint.port));
  }
  return endpoint;
}

PgChildConnection for_child_process(const PgEndpoint& endpoint) {
  PgChildConnection child;
  std::string why;
  Options options = parse_options(endpoint.conninfo, why);
  if (!options) throw UserError(fmt::format("cannot parse connection string {}: {}", endpoint.masked, why));
  for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    std::string key = o->keyword;
    if (key == "password") {
      child.password = o->val;
      continue;
    }
    if (!child.conninfo_without_password.empty()) child.conninfo_without_password += ' ';
    child.conninfo_without_password += key + "=" + quote_conninfo_value(o->val);
  }
  return child;
}

std::string with_database(const std::string& conninfo, const std::string& database) {
  if (auto url = try_parse_url(conninfo); url && is_pg_url(conninfo)) return url->with_path("/" + database);
  return conninfo + " dbname=" + quote_conninfo_value(database);
}

}  // namespace rehome::engines
