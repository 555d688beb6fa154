// rehome replica setup|status|promote: PostgreSQL streaming replication (src/backup/replica.hpp).
#include <cstdlib>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backup/replica.hpp"
#include "cli/argv_secrets.hpp"
#include "cli/subcommand.hpp"
#include "common/error.hpp"
#include "common/secrets.hpp"
#include "common/table.hpp"

namespace rehome::cli {
namespace {

using nlohmann::json;

struct ReplicaFlags {
  std::string primary, replica, dir, role = "replicator", slot = "rehome_replica",
                                     allow_from = "127.0.0.1/32";
  bool force = false, json = false;
};

int do_setup(const ReplicaFlags& f) {
  backup::ReplicaSetupOptions o;
  o.primary_url = f.primary;
  o.replica_dir = f.dir;
  o.role = f.role;
  o.slot = f.slot;
  o.allow_from = f.allow_from;
  const char* pw = std::getenv("REHOME_REPLICATION_PASSWORD");
  o.password = pw ? pw : "";
  if (!f.json) o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  auto r = backup::setup_replica(o);
  if (f.json) {
    std::cout << json{{"hba_line", r.hba_line},
                      {"hba_added", r.hba_added},
                      {"slot_created", r.slot_created},
                      {"replica_dir", f.dir},
                      {"start", r.start_hint}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format("Replica data folder ready in {}\n{}\n", f.dir, r.start_hint);
  }
  return exit_code::ok;
}

std::string seconds(const std::optional<double>& s) { return s ? fmt::format("{:.3f} s", *s) : "—"; }

int do_status(const ReplicaFlags& f) {
  std::optional<std::string> primary, replica;
  if (!f.primary.empty()) primary = f.primary;
  if (!f.replica.empty()) replica = f.replica;
  auto st = backup::replica_status(primary, replica);
  if (f.json) {
    json peers = json::array();
    for (const auto& p : st.peers)
      peers.push_back({{"application_name", p.application_name},
                       {"client_addr", p.client_addr},
                       {"state", p.state},
                       {"sync_state", p.sync_state},
                       {"lag_bytes", p.lag_bytes},
                       {"lag_seconds", p.lag_seconds ? json(*p.lag_seconds) : json(nullptr)}});
    json j = {{"replicas", peers}, {"slots", st.slots}};
    if (st.in_recovery) j["in_recovery"] = *st.in_recovery;
    if (st.replay_delay_seconds) j["replay_delay_seconds"] = *st.replay_delay_seconds;
    std::cout << j.dump(2) << "\n";
  } else {
    if (primary) {
      Table t({"replica", "address", "state", "sync", ">lag bytes", ">lag"});
      for (const auto& p : st.peers)
        t.add_row({p.application_name, p.client_addr, p.state, p.sync_state, std::to_string(p.lag_bytes),
                   seconds(p.lag_seconds)});
      std::cout << (st.peers.empty() ? "No replica is streaming from the primary.\n" : t.render());
      for (const auto& s : st.slots) std::cout << "slot " << s << "\n";
    }
    if (st.in_recovery)
      std::cout << fmt::format(
          "replica: {} (pg_is_in_recovery = {}), last replayed transaction {} ago\n",
          *st.in_recovery ? "in recovery, read-only" : "NOT in recovery: it is a primary",
          *st.in_recovery ? "true" : "false", seconds(st.replay_delay_seconds));
  }
  bool streaming = !primary || (!st.peers.empty() && st.peers[0].state == "streaming");
  return streaming ? exit_code::ok : exit_code::findings;
}

int do_promote(const ReplicaFlags& f) {
  std::optional<std::string> old_primary;
  if (!f.primary.empty()) old_primary = f.primary;
  auto r = backup::promote_replica(f.replica, old_primary, f.force);
  if (f.json)
    std::cout << json{{"promoted", true}, {"timeline", r.timeline}, {"forced", r.forced}}.dump(2) << "\n";
  else
    std::cout << fmt::format("{} promoted: now a primary on timeline {}{}\n", mask_url(f.replica), r.timeline,
                             r.forced ? " (forced while the old primary still answered)" : "");
  return exit_code::ok;
}

Register r{
    "replica", "PostgreSQL streaming replicas: setup, status (lag), promote with fencing",
    [](CLI::App& app) -> Runner {
      auto f = std::make_shared<ReplicaFlags>();
      app.require_subcommand(1);
      auto* setup = app.add_subcommand("setup", "replication role, pg_hba line, slot, pg_basebackup -R");
      setup->add_option("--primary", f->primary, "superuser URL of the primary")->required();
      setup->add_option("--dir", f->dir, "empty folder for the replica's data")->required();
      setup->add_option("--role", f->role, "replication role (password from REHOME_REPLICATION_PASSWORD)")
          ->capture_default_str();
      setup->add_option("--slot", f->slot, "physical replication slot")->capture_default_str();
      setup->add_option("--allow-from", f->allow_from, "replica address range for pg_hba.conf")
          ->capture_default_str();
      auto* status = app.add_subcommand("status", "pg_stat_replication lag and pg_is_in_recovery()");
      status->add_option("--primary", f->primary, "URL of the primary");
      status->add_option("--replica", f->replica, "URL of the replica");
      auto* promote =
          app.add_subcommand("promote", "make the replica a primary (refuses while the old answers)");
      promote->add_option("--replica", f->replica, "URL of the replica")->required();
      promote->add_option("--old-primary", f->primary, "URL of the old primary, checked for fencing");
      promote->add_flag("--force", f->force, "promote even though the old primary still answers");
      for (auto* sub : {setup, status, promote}) sub->add_flag("--json", f->json, "print JSON");
      return [f, setup, status, promote]() {
        warn_if_password_in_argv(promote->parsed() ? "--old-primary" : "--primary", f->primary);
        warn_if_password_in_argv("--replica", f->replica);
        if (setup->parsed()) return do_setup(*f);
        if (status->parsed()) return do_status(*f);
        if (promote->parsed()) return do_promote(*f);
        return exit_code::bad_input;
      };
    }};

}  // namespace
}  // namespace rehome::cli
