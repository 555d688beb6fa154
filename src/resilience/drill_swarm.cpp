// The drill's mechanism: a real Swarm through the docker CLI (docker -H <host> ...).
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"
#include "resilience/drill.hpp"

namespace rehome::resilience {
namespace {

using Clock = std::chrono::steady_clock;

ProcessResult docker(const std::string& host, std::vector<std::string> args, model::Millis timeout = 30000) {
  args.insert(args.begin(), {"docker", "-H", host});
  return run_process(args, {.timeout = std::chrono::milliseconds(timeout)});
}

std::string docker_ok(const std::string& host, const std::vector<std::string>& args,
                      const std::string& what) {
  auto r = docker(host, args);
  if (!r.ok())
    throw UserError(fmt::format("drill: {} failed on {}: {}", what, host, mask_secrets(r.err)),
                    "check that the engine runs, is part of the Swarm and the image exists there");
  return r.out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

struct NodeInfo {
  std::string hostname, status, manager_status;
  model::Bytes memory = 0;
  model::MilliCpu cpu = 0;
  std::map<std::string, std::string> labels;  // node labels (the generated stacks' placement)
};

std::vector<NodeInfo> nodes(const std::string& host) {
  std::vector<NodeInfo> out;
  auto ids = lines(docker_ok(host, {"node", "ls", "-q"}, "docker node ls"));
  std::vector<std::string> args = {
      "node", "inspect", "--format",
      "{{.Description.Hostname}}\t{{.Status.State}}\t{{if .ManagerStatus}}{{if "
      ".ManagerStatus.Leader}}leader{{else}}manager{{end}}{{end}}\t{{.Description."
      "Resources.MemoryBytes}}\t{{.Description.Resources.NanoCPUs}}\t{{json .Spec.Labels}}"};
  args.insert(args.end(), ids.begin(), ids.end());
  for (const auto& l : lines(docker_ok(host, args, "docker node inspect"))) {
    std::istringstream in(l);
    NodeInfo n;
    std::string mem, cpu, labels;
    std::getline(in, n.hostname, '\t');
    std::getline(in, n.status, '\t');
    std::getline(in, n.manager_status, '\t');
    std::getline(in, mem, '\t');
    std::getline(in, cpu, '\t');
    std::getline(in, labels, '\t');
    auto j = nlohmann::json::parse(labels, nullptr, false);
    if (j.is_object())
      for (const auto& [k, v] : j.items())
        if (v.is_string()) n.labels[k] = v.get<std::string>();
    n.memory = mem.empty() ? 0 : std::stoll(mem);
    n.cpu = cpu.empty() ? 0 : std::stoll(cpu) / 1000000;
    out.push_back(n);
  }
  return out;
}

std::vector<std::string> service_create_args(const model::Service& svc, const std::string& name,
                                             const DrillOptions& o) {
  std::vector<std::string> a = {"service",
                                "create",
                                "--detach",
                                "--name",
                                name,
                                "--replicas",
                                std::to_string(svc.replicas),
                                "--restart-condition",
                                "any",
                                "--restart-delay",
                                fmt::format("{}ms", o.model.restart_delay),
                                "--stop-grace-period",
                                "1s"};
  if (svc.resources.memory_reservation > 0)
    a.insert(a.end(), {"--reserve-memory", std::to_string(svc.resources.memory_reservation)});
  if (svc.resources.cpu_reservation > 0)
    a.insert(a.end(), {"--reserve-cpu", fmt::format("{:.3f}", svc.resources.cpu_reservation / 1000.0)});
  if (svc.placement.max_replicas_per_node > 0)
    a.insert(a.end(), {"--replicas-max-per-node", std::to_string(svc.placement.max_replicas_per_node)});
  if (svc.placement.pin.size() == 1)
    a.insert(a.end(), {"--constraint", "node.hostname==" + svc.placement.pin[0]});
  for (const auto& [k, v] : svc.placement.labels)
    a.insert(a.end(), {"--constraint", fmt::format("node.labels.{}=={}", k, v)});
  a.push_back(o.image.empty() ? svc.image : o.image);
  return a;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Why a service is not back: its pending task's state and Swarm's error ("no suitable node ...").
std::string task_error(const std::string& host, const std::string& service) {
  auto r = docker(host,
                  {"service", "ps", "--no-trunc", "--filter", "desired-state=running", "--format",
                   "{{.CurrentState}}: {{.Error}}", service},
                  10000);
  for (const auto& l : lines(r.out))
    if (l.rfind("Running", 0) != 0) return mask_secrets(trim(l));
  return "";
}

}  // namespace

DrillResult run_drill(const model::Estate& estate, const DrillOptions& o) {
  if (o.engines.empty())
    throw UserError("drill: no engines", "name each node's engine: --engine gmktec=unix:///run/docker.sock");
  if (o.fail.empty()) throw UserError("drill: nothing to fail", "name the server to stop: --fail hpr");
  if (o.stop_command.empty())
    throw UserError(
        "drill: no --stop-command",
        "say how to stop a server's engine, e.g. --stop-command 'ssh {server} sudo systemctl stop docker'");
  for (const auto& f : o.fail)
    if (!o.engines.count(f))
      throw UserError(fmt::format("drill: --fail {}: no --engine for it", f), "add --engine " + f + "=HOST");

  // A manager that survives the drill watches it.
  std::string watcher;
  std::vector<NodeInfo> before;
  for (const auto& [server, host] : o.engines) {
    if (std::find(o.fail.begin(), o.fail.end(), server) != o.fail.end()) continue;
    auto r = docker(host, {"node", "ls", "-q"});
    if (r.ok()) {
      watcher = host;
      break;
    }
  }
  if (watcher.empty())
    throw UserError("drill: no surviving engine answers as a Swarm manager",
                    "give --engine for at least one manager that is not in --fail");
  before = nodes(watcher);

  // The estate as the drill sees it: the nodes' real capacities, only the nodes of this Swarm.
  model::Estate real = estate;
  std::set<std::string> down, leaders;
  for (auto& server : real.servers)
    for (const auto& n : before)
      if (n.hostname == server.name) {
        server.memory = n.memory;
        server.cpu_threads = static_cast<int>(n.cpu / 1000);
        if (n.status == "down") down.insert(n.hostname);
        if (n.manager_status == "leader") leaders.insert(n.hostname);
      }

  for (auto& server : real.servers)
    for (const auto& n : before)
      if (n.hostname == server.name)
        for (const auto& [k, v] : n.labels) server.labels[k] = v;

  // Deploy (or find the stack deployed) and wait until everything runs.
  const std::string lead = o.stack.empty() ? o.prefix + "-" : o.stack + "_";
  std::vector<std::string> names;
  std::map<std::string, int> desired;
  if (!o.stack.empty() && !o.stack_file.empty()) {
    o.progress(fmt::format("deploying stack {} from {}", o.stack, o.stack_file));
    auto r = docker(watcher, {"stack", "deploy", "--detach=true", "-c", o.stack_file, o.stack}, 120000);
    if (!r.ok())
      throw UserError(fmt::format("drill: docker stack deploy -c {} {} failed: {}", o.stack_file, o.stack,
                                  mask_secrets(r.err)),
                      "deploy it by hand once to see the error (bootstrap.sh networks/secrets first)");
  }
  for (auto& svc : real.services) {
    if (svc.global) continue;
    std::string name = lead + svc.name;
    if (!o.stack.empty()) {
      // The stack's own placement: the generated stacks pin what holds local state to its node and
      // label every server a stateless service may move to (plan::decide_placements).
      auto r =
          docker(watcher, {"service", "inspect", "--format",
                           "{{json .Spec.TaskTemplate.Placement}}\t{{if .Spec.Mode.Replicated}}{{.Spec.Mode."
                           "Replicated.Replicas}}{{end}}",
                           name});
      if (!r.ok()) continue;  // not in the stack
      auto tab = r.out.find('\t');
      apply_swarm_placement(svc, nlohmann::json::parse(r.out.substr(0, tab), nullptr, false));
      std::string replicas = tab == std::string::npos ? "" : trim(r.out.substr(tab + 1));
      desired[name] = replicas.empty() ? svc.replicas : std::stoi(replicas);
      if (desired[name] == 0) continue;
    } else {
      o.progress(fmt::format("deploying {} ({} replica(s))", name, svc.replicas));
      docker_ok(watcher, service_create_args(svc, name, o), "docker service create " + name);
      desired[name] = svc.replicas;
    }
    names.push_back(name);
  }
  if (names.empty())
    throw UserError(
        fmt::format("drill: no service of the estate found{}", o.stack.empty() ? "" : " in stack " + o.stack),
        "deploy the generated stack (--stack-file) or name the stack rehome deployed (--stack)");
  auto tasks_now = [&]() {
    std::vector<std::string> args = {"service",  "ps",
                                     "--filter", "desired-state=running",
                                     "--format", "{{.Name}}\t{{.Node}}\t{{.CurrentState}}"};
    args.insert(args.end(), names.begin(), names.end());
    auto r = docker(watcher, args, 10000);
    return r.ok() ? parse_tasks(r.out) : std::vector<TaskState>{};
  };
  auto all_converged = [&](const std::vector<TaskState>& tasks, const std::set<std::string>& dead) {
    for (const auto& n : names)
      if (!converged(tasks, n, desired[n], dead)) return false;
    return true;
  };
  const auto deploy_start = Clock::now();
  std::vector<TaskState> placed;
  while (true) {
    placed = tasks_now();
    if (all_converged(placed, down)) break;
    if (Clock::now() - deploy_start > std::chrono::milliseconds(o.timeout)) {
      std::string waiting;
      for (const auto& n : names)
        if (!converged(placed, n, desired[n], down)) waiting += (waiting.empty() ? "" : ", ") + n;
      throw UserError("drill: the services did not all start within the timeout: " + waiting,
                      "check `docker service ps` on a manager; raise --timeout");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  o.progress("every service runs; predicting");

  // Predict on the placement Swarm made.
  const auto plan = plan_from_tasks(placed, lead);
  // What Swarm enforces (the constraints read above), not the policy again: the stacks were generated
  // from the policy (plan::decide_placements), so a drift between them shows as a miss.
  Cluster cluster(real, plan, 0.0, PlacementSource::as_deployed);
  Scenario sc;
  sc.lost.assign(down.begin(), down.end());
  for (const auto& f : o.fail) sc.lost.push_back(f);
  RecoveryModel model = o.model;
  DrillResult result;
  result.leader_lost =
      std::any_of(o.fail.begin(), o.fail.end(), [&](const std::string& f) { return leaders.count(f) > 0; });
  if (!result.leader_lost) model.leader_election = 0;  // a follower's loss needs no election
  result.prediction = analyse_failure(cluster, sc, model);
  result.scenario = result.prediction.scenario.name();
  result.failed = o.fail;
  result.stack = o.stack;
  result.quorum = result.prediction.quorum;
  result.timeout = o.timeout;
  // Only the servers failed now count for this drill's outcome (already-down ones ran nothing).
  for (const auto& so : result.prediction.services) result.rows.push_back(row_for(so));

  // Fail.
  std::set<std::string> dead = down;
  for (const auto& f : o.fail) {
    std::string cmd = o.stop_command;
    for (auto [key, value] :
         {std::pair<std::string, std::string>{"{server}", f}, {"{host}", o.engines.at(f)}})
      for (size_t p = cmd.find(key); p != std::string::npos; p = cmd.find(key, p + value.size()))
        cmd.replace(p, key.size(), value);
    o.progress("stopping " + f + ": " + mask_secrets(cmd));
    auto r = run_process({"sh", "-c", cmd}, {.timeout = std::chrono::milliseconds(120000)});
    if (!r.ok())
      throw UserError(fmt::format("drill: the stop command for {} failed: {}", f, mask_secrets(r.err)),
                      "fix --stop-command");
    dead.insert(f);
  }
  const auto t0 = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  };

  if (!result.prediction.quorum.has_quorum) {
    // Without quorum a manager refuses every change; watch for the window that nothing is rescheduled.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<model::Millis>(o.quorum_window, 5000)));
    auto r = docker(
        watcher,
        {"service", "scale", "--detach", names.front() + "=" + std::to_string(desired[names.front()] + 1)},
        20000);
    result.quorum_refused = !r.ok();
    result.quorum_message = first_line(r.ok() ? r.out : r.err);
    while (elapsed() < o.quorum_window) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    o.progress("quorum window over");
    result.observed_ms = elapsed();
    for (auto& row : result.rows) judge(row, result.observed_ms);
    return result;
  }

  std::map<std::string, DrillRow*> pending;
  for (auto& row : result.rows) pending[lead + row.service] = &row;
  // Quorum kept: a surviving manager answers with a leader (after an election if the leader was lost).
  std::string leader_error;
  auto leader_answers = [&] {
    auto r = docker(watcher, {"node", "ls", "--format", "{{.ManagerStatus}}"}, 5000);
    if (!r.ok()) leader_error = first_line(r.err);
    return r.ok() && r.out.find("Leader") != std::string::npos;
  };
  std::map<std::string, std::set<std::string>> home;  // where each service ran before
  for (const auto& t : placed) home[t.service].insert(t.node);
  // Services predicted back are waited for up to the timeout; those predicted to stay down are watched
  // for twice what a reschedule would take (the verdict's own bound), or 10 s past the slowest
  // prediction, to show that they indeed do not come back.
  model::Millis slowest = 0;
  for (const auto& row : result.rows) slowest = std::max(slowest, row.predicted_ms);
  const model::Millis reschedule = model.detection + model.leader_election + model.scheduling +
                                   model.restart_delay + model.container_start;
  const model::Millis watch = std::max(slowest + 10000, 2 * reschedule);
  auto expected_pending = [&] {
    return std::any_of(pending.begin(), pending.end(),
                       [](const auto& p) { return p.second->predicted_ms >= 0; });
  };
  while ((!pending.empty() || result.leader_ms < 0) && elapsed() < o.timeout &&
         (result.leader_ms < 0 || expected_pending() || elapsed() < watch)) {
    if (result.leader_ms < 0 && leader_answers()) {
      result.leader_ms = elapsed();
      o.progress(fmt::format("a manager answers with a leader after {:.1f} s", result.leader_ms / 1000.0));
    }
    auto tasks = tasks_now();
    for (auto it = pending.begin(); it != pending.end();) {
      if (converged(tasks, it->first, desired[it->first], dead)) {
        it->second->measured_ms = elapsed();
        std::set<std::string> on;
        for (const auto& t : tasks)
          if (t.service == it->first && !home[t.service].count(t.node)) on.insert(t.node);
        for (const auto& n : on) it->second->measured_on += (it->second->measured_on.empty() ? "" : ",") + n;
        o.progress(fmt::format("{} back after {:.1f} s", it->first, it->second->measured_ms / 1000.0));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (result.leader_ms < 0) {
    result.quorum_refused = true;
    result.quorum_message = mask_secrets(leader_error);
  }
  if (pending.empty()) {
    result.all_back_ms = 0;
    for (const auto& row : result.rows) result.all_back_ms = std::max(result.all_back_ms, row.measured_ms);
  }
  for (auto& [name, row] : pending) row->measured_error = task_error(watcher, name);
  result.observed_ms = elapsed();
  for (auto& row : result.rows) judge(row, result.observed_ms);
  if (!o.keep) {
    if (o.stack.empty()) {
      std::vector<std::string> rm = {"service", "rm"};
      rm.insert(rm.end(), names.begin(), names.end());
      docker(watcher, rm);
    } else if (!o.stack_file.empty()) {
      docker(watcher, {"stack", "rm", o.stack});  // only a stack the drill deployed itself
    }
  }
  return result;
}

}  // namespace rehome::resilience
