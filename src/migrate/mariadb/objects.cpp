// Views, stored procedures and functions, triggers, events and accounts, with their DEFINERs and the
// sql_mode, time zone and collation they were created under. The target gets them in this order:
// routines and views after the tables (views retried until the views they use exist, like
// mysqldump's stand-ins), accounts and grants next, triggers after the data (so the copy's INSERTs do
// not fire them), events last (so none runs on the target before its data is proven).
// Accounts: every account holding a privilege on a migrated database, table, column or routine, and
// every DEFINER of the migrated objects, created with SHOW CREATE USER (its password hash, never
// printed) and SHOW GRANTS. An account that already exists on the target is kept as it is and only
// gets the grants that name the migrated databases.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "migrate/mariadb/steps.hpp"

namespace rehome::migrate::mariadb {
namespace {

std::string mapped(const std::map<std::string, std::string>& db_map, const std::string& db) {
  auto it = db_map.find(db);
  return it == db_map.end() ? db : it->second;
}

// `src`. -> `dst`. in a definition (SHOW CREATE VIEW qualifies every column with its database).
std::string rename_databases(std::string text, const std::map<std::string, std::string>& db_map) {
  for (const auto& [from, to] : db_map) {
    if (from == to) continue;
    std::string a = MariadbConnection::quote_name(from), b = MariadbConnection::quote_name(to);
    for (size_t p = 0; (p = text.find(a, p)) != std::string::npos; p += b.size())
      text.replace(p, a.size(), b);
  }
  return text;
}

// 'user'@'host' from "user@host" as a DEFINER column holds it.
std::string account_of_definer(MariadbConnection& c, const std::string& definer) {
  size_t at = definer.rfind('@');
  if (at == std::string::npos) return "";
  return c.quote(definer.substr(0, at)) + "@" + c.quote(definer.substr(at + 1));
}

}  // namespace

Objects read_objects(MariadbConnection& source, const std::vector<std::string>& databases,
                     const std::vector<Table>& tables, bool whole_databases, bool accounts) {
  Objects out;
  std::string dbs = in_list(source, databases);
  std::set<std::string> definers;
  std::set<TableName> table_set;
  for (const auto& t : tables) table_set.insert(t.name);
  auto name_of = [](const std::string& db, const std::string& n) { return db + "." + n; };
  if (whole_databases) {
    for (const auto& row : source.query(fmt::format("SELECT TABLE_SCHEMA, TABLE_NAME, DEFINER FROM "
                                                    "information_schema.VIEWS WHERE TABLE_SCHEMA IN ({}) "
                                                    "ORDER BY 1, 2",
                                                    dbs))) {
      auto def = source.query("SHOW CREATE VIEW " + qualified(*row[0], *row[1])).at(0);
      out.views.push_back({.kind = "view",
                           .database = *row[0],
                           .name = *row[1],
                           .statements = {def.at(1).value_or("")},
                           .collation = def.at(3).value_or("")});
      definers.insert(row[2].value_or(""));
    }
    for (const auto& row : source.query(fmt::format(
             "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, DEFINER FROM information_schema.ROUTINES "
             "WHERE ROUTINE_SCHEMA IN ({}) ORDER BY 1, 3, 2",
             dbs))) {
      std::string type = *row[2] == "FUNCTION" ? "FUNCTION" : "PROCEDURE";
      auto def = source.query(fmt::format("SHOW CREATE {} {}", type, qualified(*row[0], *row[1]))).at(0);
      if (!def.at(2)) {
        out.notes.push_back(
            fmt::format("{} {}: the source user may not read its body (needs SELECT on "
                        "mysql.proc or SHOW CREATE ROUTINE); not copied",
                        type, name_of(*row[0], *row[1])));
        continue;
      }
      std::string kind = type == "FUNCTION" ? "function" : "procedure";
      out.routines.push_back(
          {.kind = kind,
           .database = *row[0],
           .name = *row[1],
           .statements = {fmt::format("DROP {} IF EXISTS {}", type, MariadbConnection::quote_name(*row[1])),
                          *def.at(2)},
           .sql_mode = def.at(1).value_or(""),
           .collation = def.at(4).value_or("")});
      definers.insert(row[3].value_or(""));
    }
    for (const auto& row : source.query(fmt::format("SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER FROM "
                                                    "information_schema.EVENTS WHERE EVENT_SCHEMA IN ({}) "
                                                    "ORDER BY 1, 2",
                                                    dbs))) {
      auto def = source.query("SHOW CREATE EVENT " + qualified(*row[0], *row[1])).at(0);
      out.events.push_back({.kind = "event",
                            .database = *row[0],
                            .name = *row[1],
                            .statements = {"DROP EVENT IF EXISTS " + MariadbConnection::quote_name(*row[1]),
                                           def.at(3).value_or("")},
                            .sql_mode = def.at(1).value_or(""),
                            .time_zone = def.at(2).value_or(""),
                            .collation = def.at(5).value_or("")});
      definers.insert(row[2].value_or(""));
    }
  }
  for (const auto& row : source.query(fmt::format(
           "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, DEFINER "
           "FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA IN ({}) "
           "ORDER BY EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, "
           "ACTION_ORDER",
           dbs))) {
    if (!table_set.count({*row[2], *row[3]})) continue;
    auto def = source.query("SHOW CREATE TRIGGER " + qualified(*row[0], *row[1])).at(0);
    out.triggers.push_back({.kind = "trigger",
                            .database = *row[0],
                            .name = *row[1],
                            .statements = {"DROP TRIGGER IF EXISTS " + MariadbConnection::quote_name(*row[1]),
                                           def.at(2).value_or("")},
                            .sql_mode = def.at(1).value_or(""),
                            .collation = def.at(4).value_or("")});
    definers.insert(row[4].value_or(""));
  }
  if (!accounts) return out;
  std::set<std::string> grantees;
  for (const char* view : {"SCHEMA_PRIVILEGES", "TABLE_PRIVILEGES", "COLUMN_PRIVILEGES"}) {
    for (const auto& row : source.query(fmt::format(
             "SELECT DISTINCT GRANTEE FROM information_schema.{} WHERE TABLE_SCHEMA IN ({})", view, dbs))) {
      if (row[0]) grantees.insert(*row[0]);
    }
  }
  try {
    for (const auto& row : source.query(
             fmt::format("SELECT DISTINCT User, Host FROM mysql.procs_priv WHERE Db IN ({})", dbs))) {
      grantees.insert(source.quote(row[0].value_or("")) + "@" + source.quote(row[1].value_or("")));
    }
  } catch (const engines::MariadbError&) {
    out.notes.push_back("routine-level grants not read (the source user may not read mysql.procs_priv)");
  }
  for (const auto& d : definers) {
    std::string account = account_of_definer(source, d);
    if (!account.empty()) grantees.insert(account);
  }
  for (const auto& grantee : grantees) {
    // information_schema writes 'user'@'host' with quotes doubled the SQL way already.
    std::string create;
    try {
      auto rows = source.query("SHOW CREATE USER " + grantee);
      if (rows.empty() || !rows[0][0]) continue;
      create = *rows[0][0];
    } catch (const engines::MariadbError& e) {
      if (e.code() == 1133 || e.code() == 1396) {  // no such account (a DEFINER that was dropped)
        out.notes.push_back(
            fmt::format("account {} (a DEFINER) does not exist on the source; not created", grantee));
        continue;
      }
      throw;
    }
    ObjectDef account{.kind = "account", .name = grantee};
    account.statements.push_back(create);
    for (const auto& row : source.query("SHOW GRANTS FOR " + grantee)) {
      if (row[0]) account.statements.push_back(*row[0]);
    }
    out.accounts.push_back(std::move(account));
  }
  return out;
}

void create_objects(MariadbConnection& target, const std::vector<ObjectDef>& objects,
                    const std::map<std::string, std::string>& db_map, std::vector<std::string>& notes) {
  std::vector<const ObjectDef*> pending;
  for (const auto& o : objects) pending.push_back(&o);
  // Views may use views created after them: retry the ones that failed while any succeeds.
  while (!pending.empty()) {
    std::vector<const ObjectDef*> failed;
    std::optional<engines::MariadbError> last;
    for (const ObjectDef* o : pending) {
      try {
        if (o->kind == "account") {
          std::string user_host = o->name;
          bool exists =
              target.scalar(fmt::format(
                  "SELECT COUNT(*) FROM mysql.user WHERE CONCAT(QUOTE(User), '@', QUOTE(Host)) = {}",
                  target.quote(user_host))) != "0";
          for (size_t i = 0; i < o->statements.size(); ++i) {
            const std::string& s = o->statements[i];
            if (exists && (i == 0 || s.find("ON *.*") != std::string::npos)) continue;
            if (exists) {
              bool names_db = false;
              for (const auto& [from, to] : db_map)
                names_db |= s.find(MariadbConnection::quote_name(from)) != std::string::npos;
              if (!names_db) continue;
            }
            try {
              target.exec(rename_databases(s, db_map));
            } catch (const engines::MariadbError& e) {
              // The statement holds a password hash: name the account, never the statement.
              throw engines::MariadbError(
                  fmt::format("target: creating account {} or its grants failed (error {})", user_host,
                              e.code()),
                  "the target user needs CREATE USER and GRANT OPTION; accounts with authentication plugins "
                  "the target lacks must be created by hand",
                  e.code());
            }
          }
          if (exists)
            notes.push_back(
                fmt::format("account {} already existed on the target: kept as it was, "
                            "only its grants on the migrated databases were added",
                            user_host));
          continue;
        }
        target.exec("USE " + MariadbConnection::quote_name(mapped(db_map, o->database)));
        std::string settings = fmt::format("SET SESSION sql_mode = {}", target.quote(o->sql_mode));
        if (!o->time_zone.empty()) settings += ", time_zone = " + target.quote(o->time_zone);
        if (!o->collation.empty()) settings += ", collation_connection = " + target.quote(o->collation);
        target.exec(settings);
        // DDL commits statement by statement: a run killed in this step left some of them behind.
        std::string kind = o->kind;
        for (char& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        target.exec(fmt::format("DROP {} IF EXISTS {}", kind, MariadbConnection::quote_name(o->name)));
        for (const auto& s : o->statements) target.exec(o->kind == "view" ? rename_databases(s, db_map) : s);
      } catch (const engines::MariadbError& e) {
        if (o->kind != "view") throw;
        failed.push_back(o);
        last = e;
      }
    }
    if (failed.size() == pending.size()) throw *last;
    pending = failed;
  }
  target.exec("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'");
}

std::vector<MariadbObjectCheck> check_objects(MariadbConnection& target, const Objects& objects,
                                              const std::map<std::string, std::string>& db_map) {
  std::vector<MariadbObjectCheck> out;
  auto exists = [&](const std::string& sql) { return target.scalar(sql).value_or("0") != "0"; };
  auto add = [&](const std::vector<ObjectDef>& list, const std::string& table, const std::string& schema_col,
                 const std::string& name_col, const std::string& extra) {
    for (const auto& o : list) {
      std::string db = mapped(db_map, o.database);
      out.push_back(
          {o.kind, db + "." + o.name,
           exists(fmt::format("SELECT COUNT(*) FROM information_schema.{} WHERE {} = {} AND {} = {}{}", table,
                              schema_col, target.quote(db), name_col, target.quote(o.name), extra))});
    }
  };
  add(objects.views, "VIEWS", "TABLE_SCHEMA", "TABLE_NAME", "");
  add(objects.routines, "ROUTINES", "ROUTINE_SCHEMA", "ROUTINE_NAME", "");
  add(objects.triggers, "TRIGGERS", "TRIGGER_SCHEMA", "TRIGGER_NAME", "");
  add(objects.events, "EVENTS", "EVENT_SCHEMA", "EVENT_NAME", "");
  for (const auto& a : objects.accounts) {
    out.push_back({"account", a.name,
                   exists(fmt::format(
                       "SELECT COUNT(*) FROM mysql.user WHERE CONCAT(QUOTE(User), '@', QUOTE(Host)) = {}",
                       target.quote(a.name)))});
  }
  return out;
}

}  // namespace rehome::migrate::mariadb
