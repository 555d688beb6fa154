#include "runbook/transport.hpp"

#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.hpp"
#include "common/run_id.hpp"
#include "runbook/shell.hpp"

namespace rehome::runbook {

std::vector<std::string> LocalTransport::argv(const std::string& host, const std::string& script) const {
  auto it = netns_.find(host);
  if (it == netns_.end() || host.empty()) return {"sh", "-c", script};
  std::string path = it->second.find('/') == std::string::npos ? "/var/run/netns/" + it->second : it->second;
  return {"nsenter", "--net=" + path, "--", "sh", "-c", script};
}

std::string LocalTransport::name() const {
  if (netns_.empty()) return "local";
  std::vector<std::string> parts;
  for (const auto& [server, ns] : netns_) parts.push_back(server + " in netns " + ns);
  return "local (" + join(parts, ", ") + ")";
}

ProcessResult LocalTransport::run(const std::string& host, const std::string& script, const Env& env,
                                  std::chrono::milliseconds timeout) {
  ProcessOptions o;
  o.env = env;
  o.timeout = timeout;
  return run_process(argv(host, script), o);
}

std::string take_over_run(const std::string& previous, const std::string& what, std::ostream& out) {
  if (!previous.empty()) {
    auto ended = end_tagged_processes(fmt::format("{}={}", kRunTagVariable, previous));
    if (!ended.empty())
      out << fmt::format("Ended {} command process(es) an earlier run of this {} left running (pid {}).\n",
                         ended.size(), what, fmt::join(ended, ", "));
  }
  return new_run_id();
}

SshInvocation ssh_invocation(const std::string& destination, const std::string& script, const Env& env,
                             const std::vector<std::string>& ssh_options) {
  SshInvocation inv;
  inv.argv = {"ssh"};
  inv.argv.insert(inv.argv.end(), ssh_options.begin(), ssh_options.end());
  inv.argv.insert(inv.argv.end(), {destination, "--", "sh", "-s"});
  for (const auto& [k, v] : env) inv.stdin_data += fmt::format("export {}={}\n", k, shell_quote(v));
  inv.stdin_data += script + "\n";
  return inv;
}

ProcessResult SshTransport::run(const std::string& host, const std::string& script, const Env& env,
                                std::chrono::milliseconds timeout) {
  if (host.empty()) return local_.run(host, script, env, timeout);
  auto it = destinations_.find(host);
  auto inv = ssh_invocation(it == destinations_.end() ? host : it->second, script, env, ssh_options_);
  ProcessOptions o;
  o.stdin_data = inv.stdin_data;
  o.timeout = timeout;
  if (auto tag = env.find(kRunTagVariable); tag != env.end()) o.env[tag->first] = tag->second;
  return run_process(inv.argv, o);
}

Env parse_credentials(const std::string& text, const std::string& filename) {
  Env env;
  size_t start = 0;
  for (int line_no = 1; start <= text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    std::string name = line.substr(0, eq);
    bool valid =
        eq != std::string::npos && !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (unsigned char c : name) valid = valid && (std::isalnum(c) || c == '_');
    if (!valid)
      throw UserError(
          fmt::format("{}:{}: expected NAME=value (letters, digits and _ in the name)", filename, line_no),
          "write one variable per line, e.g. GIBD_POSTGRES_PASSWORD=...");
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    env[name] = value;
    if (end == text.size()) break;
  }
  return env;
}

}  // namespace rehome::runbook
