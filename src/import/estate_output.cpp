#include "import/estate_output.hpp"

#include <unistd.h>

#include <array>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "model/estate_yaml.hpp"

namespace rehome::import {

model::Server local_host_server() {
  model::Server server;
  std::array<char, 256> name{};
  server.name = ::gethostname(name.data(), name.size() - 1) == 0 && name[0] ? name.data() : "localhost";
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  server.memory =
      pages > 0 && page > 0 ? static_cast<model::Bytes>(pages) * page / model::MiB * model::MiB : 0;
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  server.cpu_threads = cpus > 0 ? static_cast<int>(cpus) : 1;
  server.role = model::SwarmRole::manager;
  server.hints.note =
      "placeholder: the host rehome import ran on; pass --servers servers.yaml for the real cluster";
  server.where = {"local host", 0, 0};
  return server;
}

void attach_servers(ImportResult& result, const std::optional<std::filesystem::path>& servers_file,
                    const model::Server& fallback) {
  if (servers_file) {
    auto reading = model::read_estate(read_file(*servers_file), servers_file->string());
    // Problems about the services part do not matter here; a file with broken servers does.
    std::vector<model::Problem> server_problems;
    for (const auto& p : reading.problems)
      if (p.path.rfind("services", 0) != 0) server_problems.push_back(p);
    if (!server_problems.empty())
      throw UserError(model::format_problems(server_problems), "fix the servers file");
    if (reading.estate.servers.empty())
      throw UserError(servers_file->string() + ": no servers: found", "list the servers under servers:");
    if (!reading.estate.services.empty())
      result.notes.push_back({servers_file->string(), "servers file",
                              "its services were ignored: only servers are taken from it"});
    result.estate.servers = reading.estate.servers;
    result.estate.managers = reading.estate.managers;
    result.estate.headroom = reading.estate.headroom;
    return;
  }
  if (result.estate.servers.empty()) result.estate.servers.push_back(fallback);
  result.notes.push_back(
      {result.estate.servers.front().where.str(), result.estate.servers.front().name,
       "the only server is a placeholder for this host; pass --servers servers.yaml to plan "
       "for the real cluster"});
}

std::string estate_yaml_checked(ImportResult& result) {
  std::string yaml = model::to_yaml(result.estate);
  auto reading = model::read_estate(yaml, "imported estate");
  for (const auto& p : reading.problems)
    result.notes.push_back({p.path, "estate check", p.message + (p.hint.empty() ? "" : " (" + p.hint + ")")});
  return yaml;
}

}  // namespace rehome::import
