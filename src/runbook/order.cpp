#include "runbook/order.hpp"

#include <algorithm>

#include "generate/topology.hpp"

namespace rehome::runbook {

Ordering dependency_order(const std::set<std::string>& nodes,
                          const std::map<std::string, std::set<std::string>>& depends_on,
                          const std::function<bool(const std::string&)>& first) {
  std::map<std::string, int> waiting;  // node -> unmet dependencies inside `nodes`
  std::map<std::string, std::vector<std::string>> dependents;
  for (const auto& n : nodes) {
    waiting[n] = 0;
    auto it = depends_on.find(n);
    if (it == depends_on.end()) continue;
    for (const auto& d : it->second) {
      if (d == n || !nodes.count(d)) continue;
      ++waiting[n];
      dependents[d].push_back(n);
    }
  }
  auto before = [&](const std::string& a, const std::string& b) {
    bool fa = first(a), fb = first(b);
    return fa != fb ? fa : a < b;
  };
  Ordering out;
  std::set<std::string> done;
  while (done.size() < nodes.size()) {
    std::vector<std::string> ready;
    for (const auto& [n, w] : waiting)
      if (w == 0 && !done.count(n)) ready.push_back(n);
    if (ready.empty()) {  // a cycle: release the first remaining node and say so
      for (const auto& [n, w] : waiting)
        if (!done.count(n)) out.cycle.push_back(n);
      std::string pick = *std::min_element(out.cycle.begin(), out.cycle.end(), before);
      waiting[pick] = 0;
      continue;
    }
    std::string next = *std::min_element(ready.begin(), ready.end(), before);
    out.order.push_back(next);
    done.insert(next);
    for (const auto& d : dependents[next]) --waiting[d];
  }
  std::sort(out.cycle.begin(), out.cycle.end());
  out.cycle.erase(std::unique(out.cycle.begin(), out.cycle.end()), out.cycle.end());
  return out;
}

bool is_service_discovery(const model::Service& s) {
  std::string text = s.name + " " + s.image;
  std::transform(text.begin(), text.end(), text.begin(), ::tolower);
  for (const char* word : {"eureka", "consul", "discovery", "service-registry", "zookeeper"})
    if (text.find(word) != std::string::npos) return true;
  return false;
}

// The same stack names `rehome generate` writes stacks/<stack>.yml under.
std::string stack_of(const model::Service& s) {
  return s.stack.empty() ? generate::default_stack(s) : generate::slug(s.stack);
}

int service_phase(const model::Service& s) {
  using C = model::Category;
  if (s.data || s.category == C::database || s.category == C::cache) return 3;
  if (s.category == C::monitoring || s.category == C::logging) return 4;
  return 5;
}

bool deployed_in(const model::Estate& estate, const std::string& stack, int phase) {
  bool has[6] = {};
  for (const auto& s : estate.services)
    if (stack_of(s) == stack) has[service_phase(s)] = true;
  return has[phase];
}

std::vector<std::string> held_in_phase(const model::Estate& estate, const std::string& stack, int phase) {
  std::vector<std::string> out;
  for (const auto& s : estate.services)
    if (stack_of(s) == stack && service_phase(s) > phase && !s.global) out.push_back(s.name);
  return out;
}

std::vector<std::string> held_in_phase_3(const model::Estate& estate, const std::string& stack) {
  return held_in_phase(estate, stack, 3);
}

Ordering stacks_in_order(const model::Estate& estate, int phase) {
  std::set<std::string> stacks;
  std::map<std::string, std::set<std::string>> deps;
  std::set<std::string> with_discovery;
  for (const auto& s : estate.services) {
    std::string st = stack_of(s);
    if (!deployed_in(estate, st, phase)) continue;
    stacks.insert(st);
    if (is_service_discovery(s)) with_discovery.insert(st);
    for (const auto& d : s.depends_on)
      if (const auto* dep = estate.find_service(d)) deps[st].insert(stack_of(*dep));
  }
  return dependency_order(stacks, deps, [&](const std::string& st) { return with_discovery.count(st) > 0; });
}

std::vector<std::string> services_in_order(const model::Estate& estate, const std::string& stack) {
  std::set<std::string> names;
  std::map<std::string, std::set<std::string>> deps;
  for (const auto& s : estate.services) {
    if (stack_of(s) != stack) continue;
    names.insert(s.name);
    deps[s.name] = {s.depends_on.begin(), s.depends_on.end()};
  }
  return dependency_order(names, deps,
                          [&](const std::string& n) { return is_service_discovery(*estate.find_service(n)); })
      .order;
}

}  // namespace rehome::runbook
