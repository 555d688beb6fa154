#include "backup/url.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace rehome::backup {
namespace {

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

SplitUrl split_password(const std::string& url) {
  static const std::regex userinfo(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):([^@/\s]*)@)");
  std::smatch m;
  if (!std::regex_search(url, m, userinfo)) return {url, ""};
  return {m[1].str() + "@" + m.suffix().str(), percent_decode(m[2].str())};
}

std::string url_kind(const std::string& url) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) return "postgres";
  if (url.starts_with("redis://") || url.starts_with("rediss://")) return "redis";
  return "";
}

HostPort host_port(const std::string& url, int default_port) {
  static const std::regex re(
      R"(^[a-z]+://(?:([^:@/]*)(?::[^@/]*)?@)?(\[[^\]]+\]|[^:/?]*)(?::(\d+))?(?:/([^?]*))?)");
  HostPort hp;
  hp.port = default_port;
  std::smatch m;
  if (std::regex_search(url, m, re)) {
    hp.user = m[1].str();
    if (m[2].length() > 0) hp.host = m[2].str();
    if (m[3].matched) hp.port = std::stoi(m[3].str());
    std::string path = m[4].str();
    if (!path.empty() && std::all_of(path.begin(), path.end(), [](char c) { return c >= '0' && c <= '9'; }))
      hp.db = std::stoi(path);
  }
  return hp;
}

std::string safe_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += ok ? c : '-';
  }
  while (out.starts_with(".") || out.starts_with("-")) out.erase(0, 1);
  return out.empty() ? "artefact" : out;
}

}  // namespace rehome::backup
