#pragma once
// A four-server estate shaped like the seeds' (three managers, one weak worker), built in code so the
// tests say exactly what they rely on.
#include "support/estate_builder.hpp"

namespace rehome::resilience::test {

using rehome::test::place;
using rehome::test::server;
using rehome::test::service;

// gmktec 28G / hppavilion 31G / wsasus 11G managers, hpr 6G worker (weak).
inline model::Estate four_servers() {
  using model::GiB;
  using model::SwarmRole;
  auto e = rehome::test::estate(
      "small",
      {server("gmktec", 28 * GiB, 16, SwarmRole::manager),
       server("hppavilion", 31 * GiB, 8, SwarmRole::manager),
       server("wsasus", 11 * GiB, 4, SwarmRole::manager), server("hpr", 6 * GiB, 8, SwarmRole::worker)},
      {});
  e.servers[3].hints.weak = true;
  e.servers[3].hints.reliability = model::Reliability::low;
  e.servers[1].hints.reliability = model::Reliability::high;
  return e;
}

}  // namespace rehome::resilience::test
