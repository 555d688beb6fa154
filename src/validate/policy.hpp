#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "validate/result.hpp"

namespace rehome::validate {

// Pure judgements and parsers: what a measurement means. The probes (probes.cpp) only measure.

// A measured time against its target: within = Passed, over = Partial (it works, slowly).
Outcome latency_outcome(double measured_ms, double target_ms);

// An HTTP health answer: 2xx with a body that does not say otherwise = Passed; 2xx whose JSON
// "status" is not UP/ok/pass/healthy = Partial; anything else = Failed.
Outcome health_outcome(int status, const std::string& body, std::string& reason);

// Prometheus /api/v1/targets: all active targets up = Passed, some = Partial, none (or no target) = Failed.
Outcome prometheus_outcome(const std::string& body, std::string& reason);

// A share used (0..1) against its ceiling: within = Passed, over = Failed.
Outcome usage_outcome(double used_share, double ceiling_share);

struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";
};
// http://host[:port][/path]; nullopt for anything else (https included).
std::optional<HttpUrl> parse_http_url(const std::string& url);

// "host:port" / "[v6]:port"; nullopt when malformed.
std::optional<std::pair<std::string, int>> parse_host_port(const std::string& text);

// /proc/meminfo: the share of memory in use, (MemTotal - MemAvailable) / MemTotal.
std::optional<double> memory_used_share(const std::string& meminfo);

// /proc/net/tcp and /proc/net/tcp6: the local addresses listening (state 0A) on `port`, as text
// ("127.0.0.1", "0.0.0.0", "::1", "::").
std::vector<std::string> listening_addresses(const std::string& proc_net_tcp, int port);
bool is_loopback(const std::string& address);

// ${NAME} and $NAME in `text` replaced from `env` (the credentials) then the process environment;
// an unknown name is left empty.
std::string expand_variables(const std::string& text, const std::map<std::string, std::string>& env);

}  // namespace rehome::validate
