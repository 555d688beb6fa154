#pragma once
// Connection URLs of every engine rehome talks to, parsed once (RFC 3986, by uriparser):
//   postgres:// postgresql://  redis:// rediss://  mariadb:// mysql://  unix:///path/docker.sock
//   ssh://user@host
// A parsed Url keeps its original text; masked() is that text with the password (and any
// password=/token= query value) replaced by ***, the only form that may reach a message, a log or a file.
// Passwords are never required in a URL: each engine client also takes them from the engine's own
// mechanism (libpq: PGPASSWORD, PGPASSFILE, ~/.pgpass; Redis: REDISCLI_AUTH).
#include <optional>
#include <string>

namespace rehome::engines {

enum class Engine { postgres, redis, mariadb, docker };

struct Url {
  std::string text;      // as given (may hold a password: never print it)
  std::string scheme;    // lower case: "postgresql", "redis", "unix", ...
  std::string user;      // percent-decoded; empty when none
  std::string password;  // percent-decoded; empty when none
  bool has_password = false;
  std::string host;   // without [ ] for IPv6; empty for unix://
  int port = 0;       // 0 when the URL names none
  std::string path;   // percent-decoded, with its leading '/' ("/app", "/var/run/docker.sock"); may be ""
  std::string query;  // without '?', as written

  // The URL as given with its password as *** (user and everything else unchanged).
  std::string masked() const;
  // The URL as given without the password, for a child process that takes it from the environment.
  std::string without_password() const;
  // The path without its leading '/': the database of postgres://, mariadb://, redis:// URLs.
  std::string database() const;
  // The URL as given with its path replaced by `new_path` (which starts with '/'); query kept.
  std::string with_path(const std::string& new_path) const;
};

// Parses `text`; nullopt when it is not a URL with a scheme and an authority (scheme://...).
// For redis:// and rediss://, userinfo without ':' is the password (redis://secret@host), as
// redis-cli -u reads it.
std::optional<Url> try_parse_url(const std::string& text);

// As try_parse_url, but a malformed URL is a UserError naming `flag` (e.g. "--from") and the masked text.
Url parse_url(const std::string& text, const std::string& flag);

// The engine a scheme names: postgres/postgresql, redis/rediss, mariadb/mysql, unix/ssh (Docker
// engines); nullopt for anything else.
std::optional<Engine> engine_of(const std::string& scheme);

// The text with its password masked: Url::masked() when `text` is a URL, otherwise (libpq
// "key=value" strings, free text) common's mask_secrets.
std::string masked_url(const std::string& text);

// A password written inside a URL on the command line works, but argv is visible in `ps` to every user
// of the server and stays in shell history: the warning for `url` given as `flag` ("--from"), naming the
// engine's own safer way (~/.pgpass/PGPASSWORD, REDISCLI_AUTH, an option file/MYSQL_PWD) with the
// password masked; "" when it holds none.
std::string password_in_argv_warning(const std::string& flag, const std::string& url);

}  // namespace rehome::engines
