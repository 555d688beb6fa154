#include "engines/url.hpp"

#include <uriparser/Uri.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/secrets.hpp"

namespace rehome::engines {
namespace {

std::string range(const UriTextRangeA& r) {
  if (r.first == nullptr || r.afterLast == nullptr) return {};
  return std::string(r.first, r.afterLast);
}

std::string decoded(std::string s) {
  s.push_back('\0');
  const char* end = uriUnescapeInPlaceExA(s.data(), URI_FALSE, URI_BR_DONT_TOUCH);
  s.resize(static_cast<size_t>(end - s.data()));
  return s;
}

bool password_only_userinfo(const std::string& scheme) { return scheme == "redis" || scheme == "rediss"; }

// Where the password sits in the original text: [begin, end) offsets; begin == end when none.
struct PasswordSpan {
  size_t userinfo_begin = 0, userinfo_end = 0;  // userinfo without the '@'
  size_t begin = 0, end = 0;
};

struct Parsed {
  Url url;
  PasswordSpan span;
};

// The parsed URL, or nullopt with `why` saying what is wrong.
std::optional<Parsed> parse(const std::string& text, std::string* why = nullptr) {
  auto refuse = [&](std::string reason) -> std::optional<Parsed> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  UriUriA uri;
  const char* error_pos = nullptr;
  if (uriParseSingleUriA(&uri, text.c_str(), &error_pos) != URI_SUCCESS) {
    // The usual mistake, a port that is not a number, named as such.
    size_t begin = text.find("://");
    if (begin != std::string::npos) {
      std::string authority = text.substr(begin + 3, text.find_first_of("/?#", begin + 3) - (begin + 3));
      authority = authority.substr(authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1);
      size_t colon = authority.rfind(':');
      if (colon != std::string::npos && authority.find(']', colon) == std::string::npos &&
          authority.find_first_not_of("0123456789", colon + 1) != std::string::npos)
        return refuse(fmt::format("port '{}' is not a port number", authority.substr(colon + 1)));
    }
    size_t at = error_pos ? static_cast<size_t>(error_pos - text.c_str()) : 0;
    return refuse(fmt::format("not a URL (unexpected character at position {})", at + 1));
  }
  struct Free {
    UriUriA* u;
    ~Free() { uriFreeUriMembersA(u); }
  } free_members{&uri};

  Parsed p;
  Url& url = p.url;
  url.text = text;
  url.scheme = range(uri.scheme);
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme.empty() || text.compare(url.scheme.size(), 3, "://") != 0)
    return refuse("not a URL (scheme://...)");

  if (uri.userInfo.first != nullptr) {
    std::string info = range(uri.userInfo);
    p.span.userinfo_begin = static_cast<size_t>(uri.userInfo.first - text.c_str());
    p.span.userinfo_end = static_cast<size_t>(uri.userInfo.afterLast - text.c_str());
    size_t colon = info.find(':');
    if (colon == std::string::npos && password_only_userinfo(url.scheme)) {
      url.password = decoded(info);
      p.span.begin = p.span.userinfo_begin;
    } else if (colon == std::string::npos) {
      url.user = decoded(info);
      p.span.begin = p.span.userinfo_end;
    } else {
      url.user = decoded(info.substr(0, colon));
      url.password = decoded(info.substr(colon + 1));
      p.span.begin = p.span.userinfo_begin + colon + 1;
    }
    p.span.end = p.span.userinfo_end;
    url.has_password = p.span.end > p.span.begin;
  }
  url.host = range(uri.hostText);
  std::string port = range(uri.portText);
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), url.port);
    if (ec != std::errc() || end != port.data() + port.size() || url.port < 1 || url.port > 65535)
      return refuse(fmt::format("port '{}' is not a port number", port));
  }
  for (UriPathSegmentA* s = uri.pathHead; s != nullptr; s = s->next) {
    url.path += '/';
    url.path += decoded(range(s->text));
  }
  url.query = range(uri.query);
  return p;
}

}  // namespace

std::optional<Url> try_parse_url(const std::string& text) {
  auto p = parse(text);
  if (!p) return std::nullopt;
  return p->url;
}

Url parse_url(const std::string& text, const std::string& flag) {
  std::string why;
  auto p = parse(text, &why);
  if (!p) {
    throw UserError(fmt::format("{} {}: {}", flag, masked_url(text), why),
                    "give a URL like scheme://user@host:port/name (postgresql://, redis://, mariadb://, "
                    "unix:///path/docker.sock, ssh://user@host)");
  }
  return p->url;
}

std::string Url::masked() const {
  auto p = parse(text);
  if (!p) return mask_secrets(text);
  std::string out = text;
  if (p->span.end > p->span.begin) out.replace(p->span.begin, p->span.end - p->span.begin, "***");
  // Query values such as ?password=... (libpq accepts them) are masked too.
  size_t q = out.find('?', out.find("://") + 3);
  if (q != std::string::npos) out = out.substr(0, q + 1) + mask_secrets(out.substr(q + 1));
  return out;
}

std::string Url::without_password() const {
  auto p = parse(text);
  if (!p || p->span.end == p->span.begin) return text;
  std::string out = text;
  if (user.empty())  // the whole userinfo and its '@' go
    out.erase(p->span.userinfo_begin, p->span.userinfo_end + 1 - p->span.userinfo_begin);
  else  // ":password" goes
    out.erase(p->span.begin - 1, p->span.end - p->span.begin + 1);
  return out;
}

std::string Url::with_path(const std::string& new_path) const {
  // On a parsed URL the authority ends at the first '/', '?' or '#' after "scheme://" (RFC 3986
  // allows none of them unescaped before it), the path at the next '?' or '#'.
  size_t begin = std::min(text.find_first_of("/?#", scheme.size() + 3), text.size());
  size_t end = std::min(text.find_first_of("?#", begin), text.size());
  return text.substr(0, begin) + new_path + text.substr(end);
}

std::string Url::database() const { return path.empty() ? path : path.substr(1); }

std::optional<Engine> engine_of(const std::string& scheme) {
  if (scheme == "postgres" || scheme == "postgresql") return Engine::postgres;
  if (scheme == "redis" || scheme == "rediss") return Engine::redis;
  if (scheme == "mariadb" || scheme == "mysql") return Engine::mariadb;
  if (scheme == "unix" || scheme == "ssh") return Engine::docker;
  return std::nullopt;
}

std::string masked_url(const std::string& text) {
  if (auto url = try_parse_url(text)) return url->masked();
  return mask_secrets(text);
}

std::string password_in_argv_warning(const std::string& flag, const std::string& url) {
  auto parsed = try_parse_url(url);
  if (!parsed || !parsed->has_password) return "";
  std::string safer = "the engine's own credentials file or environment";
  switch (engine_of(parsed->scheme).value_or(Engine::docker)) {
    case Engine::postgres:
      safer = "~/.pgpass (or the file PGPASSFILE names, mode 0600) or PGPASSWORD";
      break;
    case Engine::redis:
      safer = "REDISCLI_AUTH";
      break;
    case Engine::mariadb:
      safer = "an option file ([client] password=..., mode 0600) or MYSQL_PWD";
      break;
    case Engine::docker:
      break;
  }
  return fmt::format(
      "warning: {} {} holds a password; the command line is visible to every user of this machine (ps) "
      "and stays in shell history. Give the URL without it and put the password in {} instead.",
      flag, parsed->masked(), safer);
}

}  // namespace rehome::engines
