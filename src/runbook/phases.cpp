#include "runbook/phases.hpp"

#include <set>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/topology.hpp"
#include "runbook/databases.hpp"
#include "runbook/order.hpp"
#include "runbook/reach.hpp"
#include "runbook/shell.hpp"
#include "runbook/volumes.hpp"

namespace rehome::runbook {
namespace {

std::string generated(const Context& c) { return c.options.workdir + "/generated"; }

std::set<std::string> tools_needed(const Context& c) {
  std::set<std::string> tools{"docker", "sha256sum", c.options.rehome};
  for (const auto& s : c.estate.services) {
    if (!s.data) continue;
    if (s.data->engine == "postgres") tools.insert({"psql", "pg_dump", "pg_restore"});
    if (s.data->engine == "redis") tools.insert("redis-cli");
    if (s.data->engine == "mariadb" || s.data->engine == "mysql") tools.insert({"mariadb", "mariadb-dump"});
  }
  return tools;
}

// Every replica's memory, as a rough bound for the dumps (data sizes when the estate has them).
model::Bytes backup_room(const model::Estate& e) {
  model::Bytes total = 0;
  for (const auto& s : e.services)
    if (s.data) total += s.data->size > 0 ? s.data->size : 64 * model::MiB;
  return total * 2;  // a dump before the move and one right before the copy
}

// The databases a native mover carries (postgres, redis, mariadb): credentials, backup, copy.
std::vector<DataItem> native_moves(const Context& c) {
  std::vector<DataItem> out;
  for (auto& d : moved_data(c))
    if (d.method == DataMethod::native) out.push_back(std::move(d));
  return out;
}

}  // namespace

Step make_step(int phase, std::string id, std::string title, std::string what, std::string host) {
  Step s;
  s.id = fmt::format("{}.{}", phase, id);
  s.phase = phase;
  s.title = std::move(title);
  s.what = std::move(what);
  s.host = std::move(host);
  return s;
}

Step deploy_stack_step(const Context& c, int phase, const std::string& stack) {
  auto services = services_in_order(c.estate, stack);
  std::vector<std::string> held =
      phase < 5 ? held_in_phase(c.estate, stack, phase) : std::vector<std::string>{};
  Step s =
      make_step(phase, "deploy." + stack, "deploy stack " + stack,
                fmt::format("Deploys the generated stack '{}' ({}) and waits until every service has all its "
                            "replicas running and healthy.",
                            stack, join(services, ", ")),
                c.first_manager.name);
  std::string file = fmt::format("{}/stacks/{}.yml", generated(c), stack);
  std::string files = "--compose-file " + file;
  std::string prepare;
  if (!held.empty()) {
    // An override file (merged by `docker stack deploy`) holds the applications at 0 replicas.
    std::string hold = fmt::format("{}/holds/{}.yml", generated(c), stack);
    std::vector<std::string> lines{"version: \"3.8\"", "services:"};
    for (const auto& h : held)
      lines.insert(lines.end(), {"  " + h + ":", "    deploy:", "      replicas: 0"});
    std::vector<std::string> quoted;
    for (const auto& l : lines) quoted.push_back(shell_quote(l));
    prepare =
        fmt::format("mkdir -p {}/holds && printf '%s\\n' {} > {} && ", generated(c), join(quoted, " "), hold);
    files += " --compose-file " + hold;
    s.what += fmt::format(
        " {} wait at 0 replicas until phase 5, so nothing writes to a new database before "
        "its data is copied, and monitoring starts before the services it watches.",
        join(held, ", "));
  }
  s.command = fmt::format("{}docker stack deploy --with-registry-auth {} {}", prepare, files, stack);
  s.verify = stack_converged(stack, c.options.converge_timeout_seconds);
  s.rollback =
      phase == 5 && (deployed_in(c.estate, stack, 3) || deployed_in(c.estate, stack, 4))
          ? fmt::format(
                "docker stack deploy {} --compose-file {}/holds/{}.yml {}  # back to the databases only",
                "--compose-file " + file, generated(c), stack, stack)
          : fmt::format("docker stack rm {}", stack);
  return s;
}

std::vector<Step> prechecks(const Context& c) {
  std::vector<Step> out;
  auto tools = tools_needed(c);
  Step t = make_step(0, "tools", "tools present",
                     "Checks that every program the runbook calls is installed here.", "");
  t.command = fmt::format(
      "for t in {}; do command -v \"$t\" > /dev/null || {{ echo \"missing: $t\" >&2; exit 1; }}; done",
      join({tools.begin(), tools.end()}, " "));
  t.rollback = "nothing to undo (read-only)";
  out.push_back(t);

  Step g = make_step(
      0, "generate", "generate artefacts",
      "Writes the stacks, bootstrap and firewall scripts and monitoring configuration from the estate and "
      "the plan, so every later step deploys reviewed files.",
      "");
  g.command = fmt::format("{} generate {} {} --output {}", c.options.rehome,
                          shell_word(c.options.estate_file), shell_word(c.options.plan_file), generated(c));
  std::vector<std::string> checks;
  std::set<std::string> stacks;
  for (const auto& s : c.estate.services) stacks.insert(stack_of(s));
  for (const auto& st : stacks) checks.push_back(fmt::format("test -s {}/stacks/{}.yml", generated(c), st));
  g.verify = join(checks, " && ");
  g.rollback = fmt::format("rm -rf {}", generated(c));
  out.push_back(g);

  for (const auto& server : c.estate.servers) {
    Step r = make_step(
        0, "reachable." + server.name, server.name + " reachable",
        fmt::format("Runs a command on {} ({}) through the transport and asks its Docker engine for its "
                    "version: the server answers and can run containers.",
                    server.name, server.address),
        server.name);
    r.command = "docker version --format '{{.Server.Version}}'";
    r.rollback = "nothing to undo (read-only)";
    out.push_back(r);
  }

  Step d = make_step(0, "disk", "disk room for backups",
                     fmt::format("Checks that {}/backups has room for two dumps of every database ({}).",
                                 c.options.workdir, model::format_bytes(backup_room(c.estate))),
                     "");
  d.command = fmt::format("mkdir -p {0}/backups && df -h {0}/backups", c.options.workdir);
  d.verify = fmt::format("[ \"$(df --output=avail -B1 {}/backups | tail -n 1)\" -ge {} ]", c.options.workdir,
                         backup_room(c.estate));
  d.rollback = "nothing to undo (read-only)";
  out.push_back(d);

  auto moves = native_moves(c);
  for (const auto& m : moves) out.push_back(credentials_step(m, 0, false));
  for (const auto& m : moves) out.push_back(backup_step(c, m, 0, ""));
  return out;
}

std::vector<Step> security(const Context& c) {
  std::vector<Step> out;
  const bool iptables = c.options.firewall == "iptables";
  generate::Topology topology(c.estate, c.plan);
  for (const auto& server : c.estate.servers) {
    Step s = make_step(
        1, "firewall." + server.name, "firewall on " + server.name,
        fmt::format("Applies the generated firewall of {}: only the ports the plan needs stay open, the "
                    "Swarm ports only between the cluster's servers.",
                    server.name),
        server.name);
    if (iptables) {
      // The rules themselves are the command, so the runbook shows exactly what is applied.
      s.what += " As plain iptables rules in one chain (rehome-input): no UFW, nothing written under /etc.";
      s.command = generate::iptables_firewall_script(topology, server.name);
      while (!s.command.empty() && s.command.back() == '\n') s.command.pop_back();
      s.verify = "iptables -C INPUT -j rehome-input && iptables -S rehome-input | grep -q -- '-j DROP'";
      s.rollback =
          "for ipt in iptables ip6tables; do $ipt -D INPUT -j rehome-input; $ipt -F rehome-input; $ipt -X "
          "rehome-input; done";
    } else {
      // The UFW script is bash (set -o pipefail): under dash, `sh script` stops at its first line.
      s.command = fmt::format("bash {}/firewall/{}.sh", generated(c), server.name);
      s.verify = "ufw status | grep -q 'Status: active'";
      s.rollback = "ufw disable  # then fix the rules and run the step again";
    }
    out.push_back(s);
  }
  // The rules are proven from outside: from the machine running rehome, what must answer answers
  // (the targets' network section: each server's SSH or another allowed port) and what must be
  // closed is refused or dropped (security.closed).
  Step check =
      make_step(1, "firewall-check", "firewall proven from outside",
                "From this machine, connects to each server's allowed port (the targets file's "
                "network section) and to every port that must be closed (security.closed): the first "
                "answer, the others are refused or dropped.",
                "");
  check.command = fmt::format("{} validate {} --targets {} --only network,security", c.options.rehome,
                              shell_word(c.options.estate_file), shell_word(c.options.targets_file));
  check.rollback =
      "nothing to undo (read-only); roll back the firewall steps above if a server is unreachable";
  out.push_back(check);
  return out;
}

// Phase 2 runs the generated bootstrap.sh one part at a time (it is idempotent), so each part is
// verified on its own and a failure stops at the part that failed.
std::vector<Step> swarm_bootstrap(const Context& c) {
  const auto& m = c.first_manager;
  generate::Topology topology(c.estate, c.plan);
  std::string script = fmt::format("bash {}/bootstrap.sh", generated(c));
  std::vector<Step> out;

  Step swarm = make_step(
      2, "swarm", "Swarm of " + std::to_string(c.estate.servers.size()) + " servers",
      fmt::format("Initialises Swarm on {} (the first manager) and joins the other servers over ssh "
                  "with tokens passed on stdin; does nothing where a server is already in.",
                  m.name),
      m.name);
  swarm.command = script + " swarm";
  swarm.verify = fmt::format(
      "[ \"$(docker info --format '{{{{.Swarm.ControlAvailable}}}}')\" = true ] && [ \"$(docker node ls "
      "--quiet | wc "
      "-l)\" -ge {} ]",
      c.estate.servers.size());
  swarm.rollback = "docker swarm leave --force  # on every server, the first manager last";
  out.push_back(swarm);

  Step labels = make_step(2, "labels", "node labels",
                          "Sets the node labels the stacks' placement constraints use.", m.name);
  labels.command = script + " labels";
  std::vector<std::string> checks, removals;
  for (const auto& [server, map] : topology.node_labels())
    for (const auto& [k, v] : map) {
      checks.push_back(
          fmt::format("docker node inspect {} --format '{{{{index .Spec.Labels \"{}\"}}}}' | grep -qx {}",
                      server, k, shell_word(v)));
      removals.push_back(fmt::format("docker node update --label-rm {} {}", shell_word(k), server));
    }
  labels.verify = join(checks, " && ");
  labels.rollback = removals.empty() ? "nothing to undo (no label set)" : join(removals, "; ");
  out.push_back(labels);

  Step networks = make_step(2, "networks", "overlay networks", "", m.name);
  std::vector<std::string> names, net_checks;
  for (const auto& n : topology.networks()) {
    names.push_back(n.name + (n.encrypted ? " (encrypted)" : "") + (n.internal ? " (internal)" : ""));
    net_checks.push_back(
        fmt::format("[ \"$(docker network inspect {} --format '{{{{.Driver}}}}')\" = overlay ]", n.name));
  }
  networks.what =
      "Creates the overlay networks the stacks attach to: " + (names.empty() ? "none" : join(names, ", ")) +
      ".";
  networks.command = script + " networks";
  networks.verify = join(net_checks, " && ");
  std::vector<std::string> plain;
  for (const auto& n : topology.networks()) plain.push_back(n.name);
  networks.rollback = plain.empty() ? "nothing to undo" : "docker network rm " + join(plain, " ");
  out.push_back(networks);

  Step secrets =
      make_step(2, "secrets", "Swarm secrets",
                "Creates the secrets the services use from files in $SECRETS_DIR (set it in the credentials "
                "file); their values never pass through rehome.",
                m.name);
  secrets.command = script + " secrets";
  std::vector<std::string> secret_checks{topology.secrets().begin(), topology.secrets().end()};
  for (auto& name : secret_checks) name = "docker secret inspect " + name + " > /dev/null";
  secrets.verify = join(secret_checks, " && ");
  secrets.rollback =
      topology.secrets().empty()
          ? "nothing to undo"
          : "docker secret rm " + join({topology.secrets().begin(), topology.secrets().end()}, " ");
  out.push_back(secrets);
  for (auto& s : image_steps(c)) out.push_back(std::move(s));
  return out;
}

std::vector<Step> databases(const Context& c) {
  std::vector<Step> out;
  for (const auto& stack : stacks_in_order(c.estate, 3).order) out.push_back(deploy_stack_step(c, 3, stack));
  const auto moves = native_moves(c);
  std::vector<DataItem> volumes;
  for (auto& d : moved_data(c))
    if (d.method != DataMethod::native) volumes.push_back(std::move(d));
  // The runner reaches each new database on a port only it may use (reach.hpp), closed after the copy.
  std::vector<Reach> reaches;
  for (const auto& m : moves) {
    if (!reaches.empty() && reaches.back().service == m.service) continue;
    const auto* s = c.estate.find_service(m.service);
    reaches.push_back({m.service, stack_of(*s) + "_" + m.service, m.engine, m.to_server, c.first_manager.name,
                       c.options.runner_address.empty() ? c.old_server.address : c.options.runner_address});
  }
  for (const auto& r : reaches)
    for (auto& st : open_reach_steps(r, 3, "3")) out.push_back(std::move(st));
  for (const auto& m : moves) {
    out.push_back(credentials_step(m, 3, true));
    out.push_back(backup_step(c, m, 3, ".pre-migrate"));
    out.push_back(migrate_step(m, 3, c.options));
  }
  for (const auto& r : reaches)
    for (auto& st : close_reach_steps(r, 3, "3")) out.push_back(std::move(st));
  // Volumes and bind data, and the cold copies of the engines without a native mover, through the
  // Docker engines (no runner port needed).
  for (auto& st : volume_steps(c, volumes, 3)) out.push_back(std::move(st));
  return out;
}

std::vector<Step> monitoring(const Context& c) {
  std::vector<Step> out;
  for (const auto& stack : stacks_in_order(c.estate, 4).order) out.push_back(deploy_stack_step(c, 4, stack));
  return out;
}

std::vector<Step> services(const Context& c) {
  std::vector<Step> out;
  for (const auto& stack : stacks_in_order(c.estate, 5).order) out.push_back(deploy_stack_step(c, 5, stack));
  return out;
}

std::vector<Step> validation(const Context& c) {
  Step s = make_step(
      6, "validate", "validation suite",
      "Probes the moved estate (databases, services, monitoring, network, security, resources) and keeps "
      "the results as evidence for the report; any failed probe stops the run.",
      "");
  s.command =
      fmt::format("{} validate {} --targets {} --evidence {}/evidence", c.options.rehome,
                  shell_word(c.options.estate_file), shell_word(c.options.targets_file), c.options.workdir);
  s.verify = fmt::format("test -s {}/evidence/validation.json", c.options.workdir);
  s.rollback = "nothing to undo (read-only); fix what failed, then run phase 6 again";
  return {s};
}

}  // namespace rehome::runbook
