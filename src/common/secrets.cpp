#include "common/secrets.hpp"

#include <regex>

namespace rehome {

std::string mask_url(const std::string& url) { return mask_secrets(url); }

std::string mask_secrets(const std::string& text) {
  // scheme://user:password@  -> scheme://user:***@
  static const std::regex userinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):([^@\s]+)@)");
  // password=secret, PGPASSWORD=secret, --password=secret, "password": "secret", token: secret
  static const std::regex keyword(
      R"(((?:password|passwd|pwd|secret|token|PGPASSWORD|REDISCLI_AUTH)\s*[=:]\s*["']?)([^\s"'&;,]+))",
      std::regex::icase);
  std::string masked = std::regex_replace(text, userinfo, "$1:***@");
  return std::regex_replace(masked, keyword, "$1***");
}

}  // namespace rehome
