#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/units.hpp"

namespace rehome::model {

// Where a value came from, for messages like "estate.yaml:42: services.gitlab.memory: ...".
struct SourceLocation {
  std::string file;
  int line = 0;             // 1-based; 0 = unknown
  int column = 0;           // 1-based; 0 = unknown
  std::string str() const;  // "file:line" (or "file", or "<input>")

  bool operator==(const SourceLocation&) const = default;
};

enum class SwarmRole { manager, worker };
enum class Reliability { high, normal, low };

struct ServerHints {
  Reliability reliability = Reliability::normal;  // "low" = recently rebooted, flaky, no UPS ...
  bool weak = false;                              // old or slow hardware: dev/staging only
  bool edge = false;                              // takes public traffic (80/443): runs the edge proxy
  std::optional<int> uptime_days;
  std::string note;  // free text shown in reports

  bool operator==(const ServerHints&) const = default;
};

struct Server {
  std::string name;     // hostname, as Swarm's node.hostname sees it
  std::string address;  // IP address: data only, rehome never connects to it in tests
  Bytes memory = 0;
  int cpu_threads = 0;
  std::string cpu_model;
  Bytes disk = 0;
  std::map<std::string, std::string> labels;  // node labels (node.labels.<k> == <v>)
  SwarmRole role = SwarmRole::worker;
  ServerHints hints;
  SourceLocation where;

  MilliCpu cpu() const { return static_cast<MilliCpu>(cpu_threads) * 1000; }

  bool operator==(const Server&) const = default;
};

enum class Category {
  database,
  cache,
  queue,
  storage,
  monitoring,
  logging,
  ci,
  proxy,
  auth,
  app,
  frontend,
  mail,
  backup,
  ml,
  other
};
enum class Tier { production, staging, dev };

struct Resources {
  Bytes memory_reservation = 0;  // what the planner packs (hard rule)
  Bytes memory_limit = 0;        // 0 = none declared
  MilliCpu cpu_reservation = 0;
  MilliCpu cpu_limit = 0;
  bool estimated = false;  // no limit nor measurement: a per-category default, shown as "est."
  bool measured = false;   // reservation from a live engine's stats (peak x margin), not a guess

  bool operator==(const Resources&) const = default;
};

struct Port {
  int published = 0;  // 0 = not published on the host
  int target = 0;
  std::string protocol = "tcp";
  std::string mode = "ingress";  // ingress | host
  // The one host address it is published on ("127.0.0.1", "::1", "10.0.0.5"); empty = every address.
  // A bound port stays as private as compose made it: never on Swarm's routing mesh, never in UFW.
  std::string host_ip;

  // Published on every address of its server (what was public in compose stays public).
  bool exposed() const {
    return published > 0 && (host_ip.empty() || host_ip == "0.0.0.0" || host_ip == "::");
  }
  // Published on one address only (loopback or a specific interface).
  bool bound_to_address() const { return published > 0 && !exposed(); }

  bool operator==(const Port&) const = default;
};

struct Volume {
  std::string name;     // named volume, or the host path for a bind mount
  std::string target;   // path inside the container
  bool shared = false;  // on shared storage (NFS, ...): the service can move; local: state is stranded
  bool bind = false;    // a host path rather than a named volume
  bool read_only = false;

  bool operator==(const Volume&) const = default;
};

struct HealthCheck {
  std::vector<std::string> test;  // ["CMD", "curl", "-f", ...] or ["CMD-SHELL", "..."]
  Millis interval = 30000;
  Millis timeout = 30000;
  Millis start_period = 0;
  int retries = 3;

  bool operator==(const HealthCheck&) const = default;
};

// An environment variable: plain text, or a reference to a secret (never the secret's value).
struct EnvValue {
  std::string value;   // the text the container sees (compose's `$$` already made `$`)
  std::string secret;  // non-empty: the value is this secret's, delivered at deploy (Swarm secret)

  bool operator==(const EnvValue&) const = default;
};

struct Ulimit {
  long long soft = 0;
  long long hard = 0;

  bool operator==(const Ulimit&) const = default;
};

// A Swarm config (compose `configs:`) mounted into the container.
struct ConfigMount {
  std::string source;  // the config's name
  std::string target;  // path in the container (default /<source>)
  std::string file;    // the host file holding its content (absolute); "" = created outside rehome

  bool operator==(const ConfigMount&) const = default;
};

struct Logging {
  std::string driver;
  std::map<std::string, std::string> options;

  bool operator==(const Logging&) const = default;
};

// How the container runs, carried from compose as it was written (docs/estate-format.md).
struct Runtime {
  std::map<std::string, EnvValue> environment;         // env_file entries first, `environment:` over them
  std::optional<std::vector<std::string>> command;     // exec form (compose's string split as it does)
  std::optional<std::vector<std::string>> entrypoint;  // exec form
  std::map<std::string, std::string> labels;           // container labels
  std::map<std::string, std::string> deploy_labels;    // service labels (Traefik on Swarm reads these)
  std::vector<ConfigMount> configs;
  std::string user;
  std::string working_dir;
  std::vector<std::string> cap_drop;
  std::map<std::string, Ulimit> ulimits;  // nofile, nproc, ...
  std::vector<std::string> tmpfs;         // paths, each optionally ":size=64m,mode=1777"
  Millis stop_grace_period = 0;           // 0 = the engine's default (10 s)
  std::string stop_signal;
  std::optional<bool> init;
  Bytes shm_size = 0;
  std::optional<Logging> logging;
  std::string hostname;

  bool operator==(const Runtime&) const = default;
};

// Where `rehome secrets create` finds a secret's value at deploy time. Never the value itself.
struct SecretSource {
  std::string name;
  std::string from;      // a template over variables: "${DBPASS}", "redis://:${REDISPASS}@redis:6379/0"
  std::string env_file;  // the file those variables are read from (compose's .env), absolute
  std::string file;      // or a file whose whole content is the value (compose `secrets: x: file:`)

  bool operator==(const SecretSource&) const = default;
};

struct Placement {
  std::vector<std::string> pin;               // allowed servers by hostname (empty = any)
  std::map<std::string, std::string> labels;  // required node labels
  int max_replicas_per_node = 0;              // 0 = unlimited
  std::vector<std::string> affinity;          // services to run beside (soft: chatty pairs)
  std::vector<std::string> anti_affinity;     // services never on the same server (hard)

  bool operator==(const Placement&) const = default;
};

// What a stateful service keeps, so migrate/backup know what to copy.
struct DataSpec {
  std::string engine;                     // postgres | redis | mariadb | mysql | mongo | influxdb | files
  std::vector<std::string> databases;     // database names inside the engine
  Bytes size = 0;                         // approximate data size
  std::optional<std::string> replica_of;  // this service is a streaming replica of that service

  bool operator==(const DataSpec&) const = default;
};

// An image built locally from a folder (compose `build:`): rehome's registry step builds it, tags it
// <registry>/<image> and pushes it there, since the servers cannot pull what only one host built.
struct BuildSpec {
  std::string context;     // the build folder (import writes it absolute)
  std::string dockerfile;  // relative to the context; empty = Dockerfile

  bool operator==(const BuildSpec&) const = default;
};

struct Service {
  std::string name;
  std::string image;
  std::optional<BuildSpec> build;  // set when the image is built locally, not pulled
  std::string stack;  // group that becomes one Swarm stack (databases, monitoring, production, ...)
  Category category = Category::app;
  bool category_guessed = false;
  Tier tier = Tier::production;
  Resources resources;
  int replicas = 1;
  bool global = false;  // one per server (node-exporter, cAdvisor)
  std::vector<Port> ports;
  std::vector<Volume> volumes;
  bool stateful = false;
  std::vector<std::string> depends_on;
  std::vector<std::string> networks;
  std::vector<std::string> secrets;  // names only, never values
  std::optional<HealthCheck> healthcheck;
  bool spiky = false;  // bursty CPU (CI builds, batch jobs)
  Placement placement;
  std::vector<std::string> cap_add;  // Linux capabilities it needs beyond none
  bool read_only_root = false;       // can run with a read-only root filesystem
  std::string restart = "any";       // any | on-failure | none
  std::optional<DataSpec> data;
  std::map<std::string, std::string> metrics;  // e.g. {port: "9100", path: "/metrics"}
  Runtime runtime;
  SourceLocation where;

  // True when the service keeps state on a server's local disk (it cannot move on failure).
  bool has_local_state() const;

  bool operator==(const Service&) const = default;
};

struct Network {
  std::string name;
  bool encrypted = false;
  bool internal = false;  // no route out
  bool public_ = false;   // the edge network
  SourceLocation where;

  bool operator==(const Network&) const = default;
};

struct RetentionPolicy {
  int daily = 7;
  int weekly = 4;
  int monthly = 6;
  int yearly = 0;

  bool operator==(const RetentionPolicy&) const = default;
};

struct BackupTarget {
  std::string name;
  std::string kind = "local";   // local | offsite
  std::string medium = "disk";  // disk | cloud | tape | nas
  std::string location;         // path or host: data only

  bool operator==(const BackupTarget&) const = default;
};

struct BackupSettings {
  std::string schedule = "03:00";
  RetentionPolicy retention;
  std::vector<BackupTarget> targets;
  std::vector<std::string> volumes;      // volume names to archive
  std::vector<std::string> git_mirrors;  // repositories mirrored off-site
  std::string mirror_remote;             // e.g. the off-site forge: data only

  bool operator==(const BackupSettings&) const = default;
};

struct Estate {
  std::string name;
  std::string description;
  std::vector<Server> servers;
  std::vector<Service> services;
  std::vector<Network> networks;
  BackupSettings backup;
  std::string registry;               // host[:port] every server pulls built images from ("" = none)
  std::vector<SecretSource> secrets;  // where each secret's value comes from at deploy (never values)
  int managers = 3;                   // desired Swarm managers
  double headroom = 0.10;             // share of memory and CPU kept free on every server
  std::string source_file;

  const Server* find_server(const std::string& name) const;
  const Service* find_service(const std::string& name) const;
  const Network* find_network(const std::string& name) const;
  int replica_count() const;  // sum of replicas (global services count once per server)

  bool operator==(const Estate&) const = default;
};

// Names for printing and parsing enums ("database", "manager", ...).
std::string to_string(Category c);
std::string to_string(Tier t);
std::string to_string(SwarmRole r);
std::string to_string(Reliability r);
std::optional<Category> category_from_string(const std::string& s);
std::optional<Tier> tier_from_string(const std::string& s);
std::optional<SwarmRole> role_from_string(const std::string& s);
std::optional<Reliability> reliability_from_string(const std::string& s);

}  // namespace rehome::model
