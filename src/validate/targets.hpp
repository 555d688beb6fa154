#pragma once
#include <string>
#include <utility>
#include <vector>

namespace rehome::validate {

// What to probe, per estate service: read from a targets file so the same suite runs against the real
// cluster or, in tests, against loopback. URLs may hold ${VARIABLES} from the credentials file.
//
//   query_latency_target: 200ms     # optional; seed 000's targets are the defaults
//   network_latency_target: 100ms
//   timeout: 5s
//   databases:
//     gibd-postgres: {url: "postgres://app:${GIBD_POSTGRES_PASSWORD}@10.0.0.80:5435/gibd", query: "select 1"}
//     gibd-redis: {url: "redis://10.0.0.80:6380"}
//   services:
//     ws-gateway: {url: "http://10.0.0.84:8080/actuator/health"}
//   monitoring:
//     prometheus: {url: "http://10.0.0.81:9090"}
//   network:
//     hppavilion: 10.0.0.80:22       # host:port, measured with a TCP connect
//   security:
//     closed: ["10.0.0.80:5432"]     # must refuse connections from here
//     localhost_only: [8080]         # on this machine, listened on by loopback only
//   resources:
//     memory: 90%                    # ceiling of memory in use on this machine
//     disk: {"/": 90%}
struct Endpoint {
  std::string name;   // the estate service (or server) it belongs to
  std::string url;    // or host:port for network
  std::string query;  // databases only
  int line = 0;       // in the targets file, for messages
};

struct Targets {
  std::string file;
  double query_latency_target_ms = 200;
  double network_latency_target_ms = 100;
  int timeout_ms = 5000;
  std::vector<Endpoint> databases;
  std::vector<Endpoint> services;
  std::vector<Endpoint> monitoring;
  std::vector<Endpoint> network;
  std::vector<std::string> closed;  // host:port
  std::vector<int> localhost_only;  // ports
  double memory_ceiling = 0.90;
  std::vector<std::pair<std::string, double>> disks{{"/", 0.90}};
};

// Throws UserError naming file:line for anything malformed.
Targets parse_targets(const std::string& yaml, const std::string& filename);

}  // namespace rehome::validate
