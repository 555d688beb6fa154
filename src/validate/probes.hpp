#pragma once
#include <string>
#include <vector>

#include "engines/http_response.hpp"
#include "validate/policy.hpp"

namespace rehome::validate {

// The measuring half: each touches a socket, a database or /proc and reports what it saw.
// They never throw for an unreachable target: that is a measurement too.

struct Measurement {
  bool ok = false;
  double ms = 0;      // connect time, or the query's time
  std::string error;  // when !ok, secrets masked
};

Measurement tcp_connect(const std::string& host, int port, int timeout_ms);

struct HttpResult : Measurement {
  engines::HttpResponse response;
};
HttpResult http_get(const HttpUrl& url, int timeout_ms);

// Connects with libpq and times `query` (the connect is not counted).
Measurement postgres_query(const std::string& url, const std::string& query, int timeout_ms);
// Connects with the MariaDB client library (password from the URL, MYSQL_PWD or ~/.my.cnf) and
// times `query` (the connect is not counted).
Measurement mariadb_query(const std::string& url, const std::string& query, int timeout_ms);
// Connects with hiredis (AUTH from the URL or REDISCLI_AUTH) and times a PING.
Measurement redis_ping(const std::string& url, int timeout_ms);

// This machine: /proc/meminfo, statvfs, /proc/net/tcp{,6}.
std::string read_proc(const std::string& path);
std::optional<double> disk_used_share(const std::string& path);

}  // namespace rehome::validate
