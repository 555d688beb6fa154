#include "runbook/reach.hpp"

#include <functional>

#include <fmt/format.h>

#include "runbook/shell.hpp"

namespace rehome::runbook {

int engine_port(const std::string& engine) {
  if (engine == "redis") return 6379;
  if (engine == "mariadb" || engine == "mysql") return 3306;
  return 5432;
}

int runner_port(const std::string& engine) { return engine_port(engine) + 10000; }

std::vector<std::string> reach_guard_rules(const Reach& r) {
  return {
      fmt::format("DOCKER-USER -p tcp -m conntrack --ctorigdstport {} ! -s {} -j DROP", runner_port(r.engine),
                  shell_word(r.runner)),
      fmt::format("INPUT -p tcp --dport {} ! -s {} -j DROP", runner_port(r.engine), shell_word(r.runner))};
}

namespace {

// `iptables <verb> <rule>` for every guard rule, joined by `joiner`, each made by `each`.
std::string for_rules(const Reach& r, const std::string& joiner,
                      const std::function<std::string(const std::string&)>& each) {
  std::vector<std::string> parts;
  for (const auto& rule : reach_guard_rules(r)) parts.push_back(each(rule));
  return join(parts, joiner);
}

// Retries (120 s) until the service's endpoint and its running task both do (or no longer do) publish
// `port` on its node. The reach steps update detached and wait with this: --detach=false also waits
// out the stack's update monitor (30 s a database), and in `rehome move` the unpublish runs under the
// write freeze (34-35 s a database measured end to end). The endpoint is updated asynchronously too.
std::string task_publishes(const std::string& service, int port, bool publishes) {
  const std::string no = publishes ? "" : "! ";
  return retry_until(
      fmt::format(
          "{{ {2}docker service inspect {0} --format '{{{{json .Endpoint.Ports}}}}' | grep -q "
          "'\"PublishedPort\":{1}'; }} && t=$(docker service ps -q --filter desired-state=running {0}) && "
          "[ -n \"$t\" ] && docker service ps --filter desired-state=running --format "
          "'{{{{.CurrentState}}}}' {0} | grep -q '^Running' && {2}docker inspect --format "
          "'{{{{json .Status.PortStatus}}}}' $t | grep -q '\"PublishedPort\":{1}'",
          service, port, no),
      120);
}

// A port published in host mode is bound on docker_gwbridge, and a task only gets that bridge when
// one of its networks is not internal: a database on the internal `database` overlay alone publishes
// nothing (the endpoint lists the port, the task's PortStatus stays empty, nothing listens). So the
// publish also attaches the service to kReachNetwork, an ordinary overlay made for this, and the
// unpublish detaches it: the database is on internal overlays only again.
constexpr const char* kReachNetwork = "rehome-reach";

// `docker service update` arguments that attach (or detach) the reach network, only when needed:
// attaching a network a service already has is refused, and a re-run after a kill must not fail.
std::string reach_network_args(const std::string& service, bool attach) {
  const std::string attached = fmt::format(
      "docker service inspect --format '{{{{json .Spec.TaskTemplate.Networks}}}}' {0} | grep -qE "
      "\"($(docker network inspect --format '{{{{.Id}}}}' {1} 2>/dev/null || echo {1})|{1})\"",
      service, kReachNetwork);
  return attach ? fmt::format("$({} || echo --network-add {})", attached, kReachNetwork)
                : fmt::format("$({} && echo --network-rm {})", attached, kReachNetwork);
}

}  // namespace

std::vector<Step> open_reach_steps(const Reach& r, int phase, const std::string& prefix) {
  Step guard;
  guard.id = fmt::format("{}.reach-guard.{}", prefix, r.service);
  guard.phase = phase;
  guard.host = r.node;
  guard.title = "limit " + r.service + "'s runner port to " + r.runner;
  guard.what = fmt::format(
      "On {}, drops every connection to port {} that does not come from the runner ({}), in Docker's "
      "DOCKER-USER chain and in INPUT, before the port is published.",
      r.node, runner_port(r.engine), r.runner);
  // DOCKER-USER exists where Docker manages iptables; elsewhere it is made (and unused).
  guard.command = "iptables -N DOCKER-USER 2>/dev/null; " + for_rules(r, " && ", [](const std::string& rule) {
                    return fmt::format("{{ iptables -C {0} 2>/dev/null || iptables -I {0}; }}", rule);
                  });
  guard.verify = for_rules(r, " && ", [](const std::string& rule) { return "iptables -C " + rule; });
  guard.rollback = for_rules(r, "; ", [](const std::string& rule) { return "iptables -D " + rule; });

  Step publish;
  publish.id = fmt::format("{}.reach.{}", prefix, r.service);
  publish.phase = phase;
  publish.host = r.manager;
  publish.title = "publish " + r.service + " to the runner";
  publish.what = fmt::format(
      "Publishes {} (port {}) on its node in host mode as port {}, so the runner reaches the new database "
      "for the copy without a tunnel; only the runner may connect (the rule above).",
      r.swarm_service, engine_port(r.engine), runner_port(r.engine));
  publish.command = fmt::format(
      "{{ docker network inspect {0} >/dev/null 2>&1 || docker network create --driver overlay {0} "
      ">/dev/null; "
      "}} && docker service update --detach=true {1} --publish-add mode=host,published={2},target={3} {4}",
      kReachNetwork, reach_network_args(r.swarm_service, true), runner_port(r.engine), engine_port(r.engine),
      r.swarm_service);
  publish.verify = task_publishes(r.swarm_service, runner_port(r.engine), true);
  // --publish-rm matches a port by its target, protocol and mode (the published port is not compared).
  publish.rollback =
      fmt::format("docker service update --detach=false {} --publish-rm published={},target={},mode=host {}",
                  reach_network_args(r.swarm_service, false), runner_port(r.engine), engine_port(r.engine),
                  r.swarm_service);
  return {guard, publish};
}

std::vector<Step> close_reach_steps(const Reach& r, int phase, const std::string& prefix) {
  auto open = open_reach_steps(r, phase, prefix);
  Step unpublish;
  unpublish.id = fmt::format("{}.unreach.{}", prefix, r.service);
  unpublish.phase = phase;
  unpublish.host = r.manager;
  unpublish.title = "unpublish " + r.service;
  unpublish.what =
      fmt::format("Removes the runner's port {} of {}: the database is on its overlay only again.",
                  runner_port(r.engine), r.swarm_service);
  // Detached, like the publish: the check waits until the task runs again without the port (stop-first:
  // the new task runs once the old one is gone), so the rule below still comes out after the port closed.
  unpublish.command =
      fmt::format("docker service update --detach=true {} --publish-rm published={},target={},mode=host {}",
                  reach_network_args(r.swarm_service, false), runner_port(r.engine), engine_port(r.engine),
                  r.swarm_service);
  unpublish.verify = task_publishes(r.swarm_service, runner_port(r.engine), false);
  unpublish.rollback = open[1].command;
  Step unguard;
  unguard.id = fmt::format("{}.unreach-guard.{}", prefix, r.service);
  unguard.phase = phase;
  unguard.host = r.node;
  unguard.title = "remove " + r.service + "'s runner rule";
  unguard.what = fmt::format("Removes the rules of port {} on {} once the port is closed.",
                             runner_port(r.engine), r.node);
  unguard.command = for_rules(r, " && ", [](const std::string& rule) {
    return fmt::format("{{ ! iptables -C {0} 2>/dev/null || iptables -D {0}; }}", rule);
  });
  unguard.verify =
      for_rules(r, " && ", [](const std::string& rule) { return "! iptables -C " + rule + " 2>/dev/null"; });
  unguard.rollback = open[0].command;
  return {unpublish, unguard};
}

}  // namespace rehome::runbook
