#pragma once
#include <string>

namespace rehome::backup {

// A connection URL split so the password can travel in the environment (PGPASSWORD, REDISCLI_AUTH)
// instead of a child's command line, where `ps` would show it.
struct SplitUrl {
  std::string url;       // without the password
  std::string password;  // percent-decoded; empty when none
};
SplitUrl split_password(const std::string& url);

// postgres | redis | "" from the scheme.
std::string url_kind(const std::string& url);

struct HostPort {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user;
  int db = 0;  // redis: /N
};
// Host, port, user and (redis) database of a URL; `default_port` when absent.
HostPort host_port(const std::string& url, int default_port);

// "postgres-127.0.0.1-5432-app": a file-name-safe label for an artefact.
std::string safe_name(const std::string& text);

}  // namespace rehome::backup
