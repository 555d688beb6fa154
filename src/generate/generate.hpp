#pragma once
// rehome generate: the files that run a plan, from the estate and the plan alone. Pure: no file,
// process or clock is touched here (write_out.hpp writes them), so the same inputs give the same
// bytes every time and everything is unit-testable.
//
//   stacks/<stack>.yml      Compose 3.8 for `docker stack deploy`, one per stack
//   bootstrap.sh            swarm init/join, node labels, networks, secrets (values read at run time)
//   firewall/<server>.sh    UFW rules per server
//   monitoring/prometheus.yml, monitoring/alerts.yml
//   k8s/*.yaml              the same plan as Kubernetes manifests
//   README.md               what was generated and in which order to apply it
#include <map>
#include <string>

#include "generate/topology.hpp"
#include "model/estate.hpp"
#include "plan/plan.hpp"

namespace rehome::generate {

// Relative path under the output folder -> file content.
using Files = std::map<std::string, std::string>;

Files generate_all(const model::Estate& estate, const plan::Plan& plan);

// The parts, for tests and for callers that want one kind only.
Files stack_files(const Topology& topology);  // stacks/<stack>.yml
std::string stack_file(const Topology& topology, const std::string& stack);
std::string bootstrap_script(const Topology& topology);  // bootstrap.sh
Files firewall_scripts(const Topology& topology);        // firewall/<server>.sh
// The same openings as plain iptables rules in one chain (rehome-input), for a host without UFW or
// a network namespace under test. Not written by generate_all; the runbook's --firewall iptables
// runs it. Empty for an unknown server.
std::string iptables_firewall_script(const Topology& topology, const std::string& server);
std::string prometheus_config(const Topology& topology);  // monitoring/prometheus.yml
std::string alert_rules(const Topology& topology);        // monitoring/alerts.yml
Files kubernetes_manifests(const Topology& topology);     // k8s/...
// k8s/setup.sh: the namespace, Secrets, ConfigMaps and the edge's TLS Secret the manifests refer to
// (values from files or the terminal at run time, never in a file rehome writes).
std::string kubernetes_setup_script(const Topology& topology, const std::string& ns);
// The edge proxy publishes 443: the Ingress terminates TLS with Secret edge-tls.
bool edge_has_tls(const Topology& topology);
std::string readme(const Topology& topology, const Files& files);

// The first lines of every generated file: what made it, and not to edit it by hand.
std::string generated_header(const Topology& topology, const std::string& comment = "#");

// Memory limit written: the estate's; when it declares none but a reservation that was declared or
// measured, twice it, at least +256 MiB, so a leak is stopped before it starves its neighbours while
// normal peaks still fit. 0 (no limit written) when the reservation is only a category guess.
model::Bytes effective_memory_limit(const model::Service& service);

}  // namespace rehome::generate
