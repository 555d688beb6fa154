#include "validate/policy.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rehome::validate {

Outcome latency_outcome(double measured_ms, double target_ms) {
  return measured_ms <= target_ms ? Outcome::passed : Outcome::partial;
}

Outcome health_outcome(int status, const std::string& body, std::string& reason) {
  if (status < 200 || status >= 300) {
    reason = fmt::format("HTTP {}", status);
    return Outcome::failed;
  }
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("status") && j["status"].is_string()) {
    std::string s = j["status"].get<std::string>();
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower != "up" && lower != "ok" && lower != "pass" && lower != "healthy" && lower != "success") {
      reason = fmt::format("HTTP {} but status \"{}\"", status, s);
      return Outcome::partial;
    }
  }
  reason = fmt::format("HTTP {}", status);
  return Outcome::passed;
}

Outcome prometheus_outcome(const std::string& body, std::string& reason) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || !j["data"].contains("activeTargets")) {
    reason = "not a Prometheus /api/v1/targets answer";
    return Outcome::failed;
  }
  int up = 0, total = 0;
  std::vector<std::string> down;
  for (const auto& t : j["data"]["activeTargets"]) {
    ++total;
    if (t.value("health", "") == "up")
      ++up;
    else if (down.size() < 5)
      down.push_back(t.contains("labels")
                         ? t["labels"].value("job", "?") + "@" + t["labels"].value("instance", "?")
                         : t.value("scrapeUrl", "?"));
  }
  if (total == 0) {
    reason = "Prometheus has no active targets";
    return Outcome::failed;
  }
  reason = fmt::format("{}/{} targets up", up, total);
  if (!down.empty()) {
    reason += "; down: ";
    for (size_t i = 0; i < down.size(); ++i) reason += (i ? ", " : "") + down[i];
  }
  if (up == total) return Outcome::passed;
  return up > 0 ? Outcome::partial : Outcome::failed;
}

Outcome usage_outcome(double used_share, double ceiling_share) {
  return used_share <= ceiling_share ? Outcome::passed : Outcome::failed;
}

std::optional<std::pair<std::string, int>> parse_host_port(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit))
    return std::nullopt;
  int p = std::stoi(port);
  if (p <= 0 || p > 65535) return std::nullopt;
  return std::make_pair(host, p);
}

std::optional<HttpUrl> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  HttpUrl u;
  if (slash != std::string::npos) u.path = rest.substr(slash);
  if (authority.find('@') != std::string::npos) authority = authority.substr(authority.find('@') + 1);
  if (authority.empty()) return std::nullopt;
  bool has_port = authority.back() != ']' && authority.find(':') != std::string::npos;
  if (has_port) {
    auto hp = parse_host_port(authority);
    if (!hp) return std::nullopt;
    u.host = hp->first;
    u.port = hp->second;
  } else {
    u.host = authority.front() == '[' ? authority.substr(1, authority.size() - 2) : authority;
  }
  return u;
}

std::optional<double> memory_used_share(const std::string& meminfo) {
  std::istringstream in(meminfo);
  std::string key;
  long long value = 0, total = -1, available = -1;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") available = value;
  }
  if (total <= 0 || available < 0) return std::nullopt;
  return static_cast<double>(total - available) / static_cast<double>(total);
}

namespace {

// /proc/net/tcp writes addresses as hex in host byte order (little-endian here), 4 bytes per group.
std::string decode_address(const std::string& hex) {
  auto byte = [&](size_t i) { return static_cast<unsigned>(std::stoul(hex.substr(i, 2), nullptr, 16)); };
  if (hex.size() == 8) return fmt::format("{}.{}.{}.{}", byte(6), byte(4), byte(2), byte(0));
  if (hex.size() != 32) return hex;
  unsigned char b[16];
  for (int group = 0; group < 4; ++group)
    for (int i = 0; i < 4; ++i) b[group * 4 + i] = static_cast<unsigned char>(byte(group * 8 + (3 - i) * 2));
  bool all_zero = std::all_of(b, b + 16, [](unsigned char c) { return c == 0; });
  if (all_zero) return "::";
  bool loop = std::all_of(b, b + 15, [](unsigned char c) { return c == 0; }) && b[15] == 1;
  if (loop) return "::1";
  bool v4mapped =
      std::all_of(b, b + 10, [](unsigned char c) { return c == 0; }) && b[10] == 0xff && b[11] == 0xff;
  if (v4mapped) return fmt::format("::ffff:{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
  std::string out;
  for (int i = 0; i < 16; i += 2) out += fmt::format("{}{:x}", i ? ":" : "", (b[i] << 8) | b[i + 1]);
  return out;
}

}  // namespace

std::vector<std::string> listening_addresses(const std::string& proc_net_tcp, int port) {
  std::vector<std::string> out;
  std::istringstream in(proc_net_tcp);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    if (state != "0A") continue;  // LISTEN
    size_t colon = local.find(':');
    if (colon == std::string::npos) continue;
    if (static_cast<int>(std::stoul(local.substr(colon + 1), nullptr, 16)) != port) continue;
    std::string addr = decode_address(local.substr(0, colon));
    if (std::find(out.begin(), out.end(), addr) == out.end()) out.push_back(addr);
  }
  return out;
}

bool is_loopback(const std::string& a) {
  return a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0;
}

std::string expand_variables(const std::string& text, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    size_t start = i + 1, end;
    bool braced = text[start] == '{';
    if (braced) {
      end = text.find('}', start);
      if (end == std::string::npos) {
        out += text[i];
        continue;
      }
    } else {
      end = start;
      if (std::isdigit(static_cast<unsigned char>(text[start]))) {  // "$5" is money, not a variable
        out += text[i];
        continue;
      }
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
      if (end == start) {
        out += text[i];
        continue;
      }
    }
    std::string name = text.substr(braced ? start + 1 : start, end - (braced ? start + 1 : start));
    if (auto it = env.find(name); it != env.end())
      out += it->second;
    else if (const char* v = std::getenv(name.c_str()))
      out += v;
    i = braced ? end : end - 1;
  }
  return out;
}

}  // namespace rehome::validate
