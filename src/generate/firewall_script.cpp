// firewall/<server>.sh: UFW rules per server, as seed 001 wrote them by hand, but with the Swarm
// ports open only to the other servers of this cluster and 80/443 only on the edge.
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "common/shell.hpp"
#include "generate/generate.hpp"

namespace rehome::generate {
namespace {

bool is_edge(const Topology& t, const std::string& server) {
  const auto& edges = t.edge_servers();
  return std::find(edges.begin(), edges.end(), server) != edges.end();
}

bool any_encrypted(const Topology& t) {
  return std::any_of(t.networks().begin(), t.networks().end(), [](const auto& n) { return n.encrypted; });
}

// The other servers of the cluster, which may reach this one's Swarm ports.
std::vector<std::string> peer_addresses(const Topology& t, const model::Server& server) {
  std::vector<std::string> peers;
  for (const auto& other : t.estate().servers)
    if (other.name != server.name && !other.address.empty()) peers.push_back(other.address);
  return peers;
}

std::string firewall_script(const Topology& t, const model::Server& server) {
  const bool manager = t.is_manager(server.name);
  const bool edge = is_edge(t, server.name);
  const bool encrypted = any_encrypted(t);

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

  const auto peers = peer_addresses(t, server);
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
    s << fmt::format("ufw allow {}/{} comment {}\n", p.port, p.protocol, shell_word(p.service));
  }
  s << "\nufw --force enable\nufw status verbose\n";
  return s.str();
}

// The same openings as the UFW script, as plain iptables rules in one chain of their own.
std::string iptables_script(const Topology& t, const model::Server& server) {
  std::ostringstream s;
  s << "#!/bin/sh\n" << generated_header(t);
  s << fmt::format(R"SH(#
# iptables rules for {name} ({address}): the openings of firewall/{name}.sh (UFW) for a host
# without UFW, or a network namespace under test. Every rule sits in one chain, rehome-input, which
# INPUT jumps to first: running this again replaces the rules, and the rollback removes the chain.
# Loopback and replies are accepted, then SSH, then what the plan needs; everything else is dropped.
set -eu
[ "$(id -u)" -eq 0 ] || {{ echo "run as root" >&2; exit 2; }}
SSH_PORT="${{SSH_PORT:-22}}"

for ipt in iptables ip6tables; do
  $ipt -N rehome-input 2>/dev/null || $ipt -F rehome-input
  $ipt -C INPUT -j rehome-input 2>/dev/null || $ipt -I INPUT 1 -j rehome-input
  $ipt -A rehome-input -i lo -j ACCEPT
  $ipt -A rehome-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  $ipt -A rehome-input -m conntrack --ctstate INVALID -j DROP
  $ipt -A rehome-input -p tcp --dport "$SSH_PORT" -j ACCEPT
done
iptables -A rehome-input -p icmp --icmp-type echo-request -j ACCEPT
ip6tables -A rehome-input -p ipv6-icmp -j ACCEPT
)SH",
                   fmt::arg("name", server.name), fmt::arg("address", server.address));
  const auto peers = peer_addresses(t, server);
  if (!peers.empty()) {
    s << "\n# Swarm traffic, only from the other servers of the cluster.\n";
    s << "for peer in " << fmt::format("{}", fmt::join(peers, " ")) << "; do\n";
    if (t.is_manager(server.name))
      s << "  iptables -A rehome-input -p tcp -s \"$peer\" --dport 2377 -j ACCEPT\n";
    s << "  iptables -A rehome-input -p tcp -s \"$peer\" --dport 7946 -j ACCEPT\n";
    s << "  iptables -A rehome-input -p udp -s \"$peer\" --dport 7946 -j ACCEPT\n";
    s << "  iptables -A rehome-input -p udp -s \"$peer\" --dport 4789 -j ACCEPT\n";
    if (any_encrypted(t)) s << "  iptables -A rehome-input -p esp -s \"$peer\" -j ACCEPT\n";
    s << "done\n";
  }
  struct Opening {
    int port;
    std::string protocol, why;
  };
  std::vector<Opening> open;
  if (is_edge(t, server.name))
    open.insert(open.end(), {{80, "tcp", "http (edge proxy)"}, {443, "tcp", "https (edge proxy)"}});
  for (const auto& p : t.published_on(server.name))
    if (p.port != 80 && p.port != 443) open.push_back({p.port, p.protocol, p.service});  // web: edge only
  s << "\nfor ipt in iptables ip6tables; do\n";
  for (const auto& o : open)
    s << fmt::format("  $ipt -A rehome-input -p {} --dport {} -j ACCEPT  # {}\n", o.protocol, o.port, o.why);
  s << "  $ipt -A rehome-input -j DROP\ndone\niptables -S rehome-input\n";
  return s.str();
}

}  // namespace

std::string iptables_firewall_script(const Topology& t, const std::string& server) {
  for (const auto& s : t.estate().servers)
    if (s.name == server) return iptables_script(t, s);
  return "";
}

Files firewall_scripts(const Topology& t) {
  Files files;
  for (const auto& server : t.estate().servers)
    files["firewall/" + slug(server.name) + ".sh"] = firewall_script(t, server);
  return files;
}

}  // namespace rehome::generate
