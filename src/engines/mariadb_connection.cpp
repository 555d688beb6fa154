#include "engines/mariadb_connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "common/secrets.hpp"

namespace rehome::engines {
namespace {

const char* password_hint =
    "give the password in an option file ([client] password=... in ~/.my.cnf, or the file named by "
    "--defaults-file) or in MYSQL_PWD; never in the URL on the command line";

std::string hint_for(unsigned code, const MariadbEndpoint& e) {
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
      return fmt::format("check the user and password for {}: {}", e.identity(), password_hint);
    case ER_BAD_DB_ERROR:
      return fmt::format("create the database on {} first, or leave it out of the URL", e.identity());
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
      return fmt::format("is the server running and reachable at {}:{}?", e.host, e.port);
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
      return "the user lacks a privilege rehome needs (source: SELECT, RELOAD, LOCK TABLES, SHOW VIEW, "
             "EVENT, TRIGGER, PROCESS/REPLICATION CLIENT; target: ALL on the databases, CREATE USER, SET "
             "USER)";
    default:
      return {};
  }
}

std::string sql_head(const std::string& sql) {
  std::string head = sql.substr(0, 120);
  for (char& c : head)
    if (c == '\n') c = ' ';
  return head + (sql.size() > 120 ? "..." : "");
}

struct ResultFree {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using Result = std::unique_ptr<MYSQL_RES, ResultFree>;

// LOAD DATA LOCAL's "file": the bytes load_local() was given, whatever name the server asks for
// (nothing outside a load_local() call: then it is empty).
using LocalData = MariadbConnection::LocalFile;
int local_init(void** handle, const char* /*name*/, void* user) {
  *handle = user;
  return 0;
}
int local_read(void* handle, char* buffer, unsigned int size) {
  auto* d = static_cast<LocalData*>(handle);
  size_t n = std::min<size_t>(size, d->data.size() - d->offset);
  std::memcpy(buffer, d->data.data() + d->offset, n);
  d->offset += n;
  return static_cast<int>(n);
}
void local_end(void* /*handle*/) {}
int local_error(void* /*handle*/, char* message, unsigned int size) {
  if (size > 0) message[0] = 0;
  return 0;
}

}  // namespace

MariadbConnection::MariadbConnection(const MariadbEndpoint& endpoint, std::string role,
                                     const MariadbConnectOptions& options)
    : endpoint_(endpoint), role_(std::move(role)) {
  mysql_ = mysql_init(nullptr);
  if (mysql_ == nullptr) throw MariadbError("out of memory starting a MariaDB connection", {}, 0);
  unsigned timeout = options.connect_timeout_seconds;
  mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (options.read_timeout_seconds > 0) {
    unsigned read_timeout = options.read_timeout_seconds;
    mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &read_timeout);
  }
  if (!options.defaults_file.empty())
    mysql_optionsv(mysql_, MYSQL_READ_DEFAULT_FILE, options.defaults_file.c_str());
  mysql_optionsv(mysql_, MYSQL_READ_DEFAULT_GROUP, options.defaults_group.c_str());
  mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, options.charset.c_str());
  unsigned local_infile = options.local_infile ? 1 : 0;
  mysql_optionsv(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  // Never the library's own handler, which would read the file a server names.
  mysql_set_local_infile_handler(mysql_, local_init, local_read, local_end, local_error, &local_);
  const char* password = nullptr;
  if (endpoint_.has_password) {
    password = endpoint_.password.c_str();
  } else if (const char* env = std::getenv("MYSQL_PWD"); env != nullptr) {
    password = env;
  }
  const char* user = endpoint_.user.empty() ? nullptr : endpoint_.user.c_str();
  const char* db = endpoint_.database.empty() ? nullptr : endpoint_.database.c_str();
  if (mysql_real_connect(
          mysql_, endpoint_.host.c_str(), user, password, db, static_cast<unsigned>(endpoint_.port), nullptr,
          CLIENT_MULTI_RESULTS | (options.multi_statements ? CLIENT_MULTI_STATEMENTS : 0)) == nullptr) {
    unsigned code = mysql_errno(mysql_);
    std::string message = mask_secrets(mysql_error(mysql_));
    mysql_close(mysql_);
    mysql_ = nullptr;
    throw MariadbError(fmt::format("cannot connect to the {} {}: {}", role_, endpoint_.masked, message),
                       hint_for(code, endpoint_), code);
  }
}

MariadbConnection::~MariadbConnection() {
  if (mysql_ != nullptr) mysql_close(mysql_);
}

void MariadbConnection::fail(const std::string& sql) const {
  unsigned code = mysql_errno(mysql_);
  throw MariadbError(fmt::format("{} {}: {} (error {}) in: {}", role_, endpoint_.masked,
                                 mask_secrets(mysql_error(mysql_)), code, mask_secrets(sql_head(sql))),
                     hint_for(code, endpoint_), code);
}

void MariadbConnection::exec(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail(sql);
  do {
    Result r(mysql_store_result(mysql_));
    if (!r && mysql_field_count(mysql_) != 0) fail(sql);
  } while (mysql_next_result(mysql_) == 0);
  if (mysql_errno(mysql_) != 0) fail(sql);
}

void MariadbConnection::load_local(const std::string& sql, std::string_view data) {
  local_ = {data, 0};
  bool failed = mysql_real_query(mysql_, sql.data(), sql.size()) != 0;
  local_ = {};
  if (failed) fail(sql);
  while (mysql_next_result(mysql_) == 0) Result(mysql_store_result(mysql_));
}

std::vector<MariadbConnection::Row> MariadbConnection::query(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail(sql);
  Result r(mysql_store_result(mysql_));
  if (!r) {
    if (mysql_field_count(mysql_) != 0) fail(sql);
    return {};
  }
  std::vector<Row> rows;
  unsigned n = mysql_num_fields(r.get());
  while (MYSQL_ROW row = mysql_fetch_row(r.get())) {
    unsigned long* lengths = mysql_fetch_lengths(r.get());
    Row out(n);
    for (unsigned i = 0; i < n; ++i) {
      if (row[i] != nullptr) out[i] = std::string(row[i], lengths[i]);
    }
    rows.push_back(std::move(out));
  }
  r.reset();
  while (mysql_next_result(mysql_) == 0) Result(mysql_store_result(mysql_));
  return rows;
}

std::optional<std::string> MariadbConnection::scalar(const std::string& sql) {
  auto rows = query(sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

int64_t MariadbConnection::stream(const std::string& sql,
                                  const std::function<void(const MariadbRowView&)>& on_row) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail(sql);
  Result r(mysql_use_result(mysql_));
  if (!r) fail(sql);
  unsigned n = mysql_num_fields(r.get());
  int64_t count = 0;
  std::exception_ptr error;
  while (MYSQL_ROW row = mysql_fetch_row(r.get())) {
    if (error) continue;  // drain the rest so the connection stays usable
    try {
      on_row({row, mysql_fetch_lengths(r.get()), n});
      ++count;
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (mysql_errno(mysql_) != 0) fail(sql);
  r.reset();
  while (mysql_next_result(mysql_) == 0) Result(mysql_store_result(mysql_));
  if (error) std::rethrow_exception(error);
  return count;
}

std::string MariadbConnection::quote(std::string_view text) const {
  std::string out;
  append_quoted(out, text);
  return out;
}

void MariadbConnection::append_quoted(std::string& out, std::string_view text) const {
  size_t start = out.size();
  out.resize(start + text.size() * 2 + 3);
  out[start] = '\'';
  unsigned long n = mysql_real_escape_string(mysql_, out.data() + start + 1, text.data(), text.size());
  out[start + n + 1] = '\'';
  out.resize(start + n + 2);
}

std::string MariadbConnection::quote_name(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

unsigned long MariadbConnection::server_version() const { return mysql_get_server_version(mysql_); }

bool MariadbConnection::is_mariadb() const {
  return std::strstr(mysql_get_server_info(mysql_), "MariaDB") != nullptr;
}

}  // namespace rehome::engines
