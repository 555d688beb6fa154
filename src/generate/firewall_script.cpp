// firewall/<server>.sh: UFW rules per server, as seed 001 wrote them by hand, but with the Swarm
// ports open only to the other servers of this cluster and 80/443 only on the edge.
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "generate/generate.hpp"
#include "generate/shell.hpp"

namespace rehome::generate {
namespace {

std::string firewall_script(const Topology& t, const model::Server& server) {
  const bool manager = t.is_manager(server.name);
  const auto& edges = t.edge_servers();
  const bool edge = std::find(edges.begin(), edges.end(), server.name) != edges.end();
  const bool encrypted =
      std::any_of(t.networks().begin(), t.networks().end(), [](const auto& n) { return n.encrypted; });

  std::vector<std::string> roles = {manager ? "manager" : "worker"};
  if (edge) roles.push_back("edge");
  std::ostringstream s;
  s << "#!/usr/bin/env bash\n" << generated_header(t);
  s << fmt::format(R"SH(#
# UFW rules for {name} ({address}; {roles}). Run on {name} as root. Adds rules (UFW skips ones it
# already has), denies all other incoming traffic, then enables UFW. SSH is allowed first, so
# enabling never locks you out; set SSH_PORT if sshd listens elsewhere.
#
# Note: Docker writes its own iptables rules for published ports, ahead of UFW's. The published
# ports below are opened here for clarity, but UFW cannot close a port Docker publishes: to keep a
# port private, do not publish it (services reach each other over the overlay networks).
set -euo pipefail

command -v ufw >/dev/null || {{ echo "ufw is not installed: apt-get install ufw" >&2; exit 2; }}
[[ "$(id -u)" -eq 0 ]] || {{ echo "run as root (sudo $0)" >&2; exit 2; }}
SSH_PORT="${{SSH_PORT:-22}}"

ufw default deny incoming
ufw default allow outgoing
ufw limit "${{SSH_PORT}}/tcp" comment 'ssh'
)SH",
                   fmt::arg("name", server.name), fmt::arg("address", server.address),
                   fmt::arg("roles", fmt::format("{}", fmt::join(roles, ", "))));

  std::vector<std::string> peers;
  for (const auto& other : t.estate().servers) {
    if (other.name != server.name && !other.address.empty()) peers.push_back(other.address);
  }
  if (!peers.empty()) {
    s << "\n# Swarm traffic, only from the other servers of the cluster.\n";
    s << "for peer in " << fmt::format("{}", fmt::join(peers, " ")) << "; do\n";
    if (manager) s << "  ufw allow proto tcp from \"${peer}\" to any port 2377 comment 'swarm management'\n";
    s << "  ufw allow proto tcp from \"${peer}\" to any port 7946 comment 'swarm gossip'\n";
    s << "  ufw allow proto udp from \"${peer}\" to any port 7946 comment 'swarm gossip'\n";
    s << "  ufw allow proto udp from \"${peer}\" to any port 4789 comment 'overlay networks (VXLAN)'\n";
    if (encrypted)
      s << "  ufw allow proto esp from \"${peer}\" comment 'encrypted overlay networks (IPsec)'\n";
    s << "done\n";
  }

  if (edge) {
    s << "\n# Public web traffic: this is the edge server.\n";
    s << "ufw allow 80/tcp comment 'http (edge proxy)'\n";
    s << "ufw allow 443/tcp comment 'https (edge proxy)'\n";
  }
  bool header = false;
  for (const auto& p : t.published_on(server.name)) {
    if (edge && (p.port == 80 || p.port == 443) && p.protocol == "tcp") continue;
    if (!edge && (p.port == 80 || p.port == 443)) continue;  // public web only on the edge
    if (!header) s << "\n# Ports published by the replicas the plan puts on " << server.name << ".\n";
    header = true;
    s << fmt::format("ufw allow {}/{} comment {}\n", p.port, p.protocol, shell_quote(p.service));
  }
  s << "\nufw --force enable\nufw status verbose\n";
  return s.str();
}

}  // namespace

Files firewall_scripts(const Topology& t) {
  Files files;
  for (const auto& server : t.estate().servers)
    files["firewall/" + slug(server.name) + ".sh"] = firewall_script(t, server);
  return files;
}

}  // namespace rehome::generate
