#pragma once
// The runbook's small estate plus an edge proxy and a volume: everything a move has a step for.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "move/executor.hpp"
#include "move/move.hpp"
#include "unit/runbook/fixtures.hpp"

namespace rehome::move::test {

inline model::Estate shop() {
  auto e = runbook::test::small_estate();
  auto traefik = rehome::test::service("traefik", 0, 1, model::Category::proxy);
  traefik.image = "traefik:v2.11";
  traefik.stack = "edge";
  traefik.resources = {};
  traefik.ports = {{.published = 80, .target = 80}, {.published = 443, .target = 443}};
  traefik.networks = {"public"};
  e.services.push_back(traefik);
  for (auto& s : e.services)
    if (s.name == "shop-api") s.volumes = {{.name = "uploads", .target = "/srv/uploads"}};
  e.networks.push_back({.name = "public", .public_ = true});
  return e;
}

inline plan::Plan shop_plan() {
  auto p = runbook::test::small_plan();
  p.assignments.push_back({"traefik", 0, "app"});
  return p;
}

inline Move shop_move(MoveOptions o = {}) {
  o.old_server = "old";
  o.work_dir = "work";
  return make_move(shop(), shop_plan(), o);
}

// Records every command; `fail` names a command substring that exits 1; `kill_at` throws Killed on
// that call (a kill -9: nothing after it runs, the journal is as the executor last saved it).
struct Killed {};
class FakeTransport : public runbook::Transport {
 public:
  std::vector<std::string> commands;
  std::vector<std::string> docker_hosts;  // DOCKER_HOST each command was given ("" when none)
  std::vector<std::string> run_tags;      // the run's tag each command was given (kRunTagVariable)
  std::string fail;
  int kill_at = -1;
  ProcessResult run(const std::string& host, const std::string& script, const runbook::Env& env,
                    std::chrono::milliseconds) override {
    if (static_cast<int>(commands.size()) == kill_at) throw Killed{};
    commands.push_back((host.empty() ? "local" : host) + ": " + script);
    auto dh = env.find("DOCKER_HOST");
    docker_hosts.push_back(dh == env.end() ? "" : dh->second);
    auto tag = env.find(runbook::kRunTagVariable);
    run_tags.push_back(tag == env.end() ? "" : tag->second);
    ProcessResult r;
    r.exit_code = !fail.empty() && script.find(fail) != std::string::npos ? 1 : 0;
    return r;
  }
  std::string name() const override { return "fake"; }
};

class FakeMovers : public Movers {
 public:
  std::vector<std::string> passes;
  PassResult run(const DataItem& item, const std::string& pass) override {
    passes.push_back(pass + " " + item.slug());
    return {true, {}, "ok", 0};
  }
};

// A clock that moves 1 s per reading.
inline Clock fake_clock(std::int64_t* t, std::string boot = "boot-1") {
  Clock c;
  c.mono_ms = [t] { return *t += 1000; };
  c.wall_ms = [t] { return 1700000000000 + *t; };
  c.boot_id = std::move(boot);
  return c;
}

}  // namespace rehome::move::test
