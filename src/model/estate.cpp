#include "model/estate.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace rehome::model {
namespace {

template <typename E, size_t N>
std::optional<E> lookup(const std::array<std::pair<E, const char*>, N>& table, const std::string& s) {
  for (const auto& [value, name] : table)
    if (s == name) return value;
  return std::nullopt;
}

template <typename E, size_t N>
std::string name_of(const std::array<std::pair<E, const char*>, N>& table, E e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

constexpr std::array<std::pair<Category, const char*>, 15> kCategories{{
    {Category::database, "database"}, {Category::cache, "cache"},       {Category::queue, "queue"},
    {Category::storage, "storage"},   {Category::monitoring, "monitoring"}, {Category::logging, "logging"},
    {Category::ci, "ci"},             {Category::proxy, "proxy"},       {Category::auth, "auth"},
    {Category::app, "app"},           {Category::frontend, "frontend"}, {Category::mail, "mail"},
    {Category::backup, "backup"},     {Category::ml, "ml"},             {Category::other, "other"},
}};
constexpr std::array<std::pair<Tier, const char*>, 3> kTiers{
    {{Tier::production, "production"}, {Tier::staging, "staging"}, {Tier::dev, "dev"}}};
constexpr std::array<std::pair<SwarmRole, const char*>, 2> kRoles{
    {{SwarmRole::manager, "manager"}, {SwarmRole::worker, "worker"}}};
constexpr std::array<std::pair<Reliability, const char*>, 3> kReliability{
    {{Reliability::high, "high"}, {Reliability::normal, "normal"}, {Reliability::low, "low"}}};

template <typename T>
const T* find_by_name(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string SourceLocation::str() const {
  std::string f = file.empty() ? "<input>" : file;
  return line > 0 ? f + ":" + std::to_string(line) : f;
}

// Host paths that are sockets or kernel views, not data: mounting them keeps nothing on the server.
static bool is_runtime_mount(const Volume& v) {
  if (!v.bind) return false;
  for (const char* prefix : {"/var/run/", "/run/", "/proc", "/sys", "/dev"})
    if (v.name.rfind(prefix, 0) == 0) return true;
  return false;
}

bool Service::has_local_state() const {
  if (data && data->replica_of) return stateful;  // a replica can be rebuilt, but its copy is local
  for (const auto& v : volumes)
    if (!v.shared && !v.read_only && !is_runtime_mount(v)) return true;
  return stateful && std::none_of(volumes.begin(), volumes.end(), [](const Volume& v) { return v.shared; });
}

const Server* Estate::find_server(const std::string& n) const { return find_by_name(servers, n); }
const Service* Estate::find_service(const std::string& n) const { return find_by_name(services, n); }
const Network* Estate::find_network(const std::string& n) const { return find_by_name(networks, n); }

int Estate::replica_count() const {
  int n = 0;
  for (const auto& s : services) n += s.global ? static_cast<int>(servers.size()) : s.replicas;
  return n;
}

std::string to_string(Category c) { return name_of(kCategories, c); }
std::string to_string(Tier t) { return name_of(kTiers, t); }
std::string to_string(SwarmRole r) { return name_of(kRoles, r); }
std::string to_string(Reliability r) { return name_of(kReliability, r); }
std::optional<Category> category_from_string(const std::string& s) { return lookup(kCategories, s); }
std::optional<Tier> tier_from_string(const std::string& s) { return lookup(kTiers, s); }
std::optional<SwarmRole> role_from_string(const std::string& s) { return lookup(kRoles, s); }
std::optional<Reliability> reliability_from_string(const std::string& s) { return lookup(kReliability, s); }

}  // namespace rehome::model
