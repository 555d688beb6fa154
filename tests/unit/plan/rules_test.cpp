// Each hard rule on its own.
#include <gtest/gtest.h>

#include "plan/feasibility.hpp"
#include "plan/placement_state.hpp"
#include "support/estate_builder.hpp"

namespace rehome::plan {
namespace {

using namespace rehome::test;

TEST(Rules, MemoryKeepsTheHeadroomFreeAndSaysTheNumbers) {
  auto e =
      estate("test", {server("small", gib(11))}, {service("gitlab", gib(4)), service("prometheus", gib(6))});
  PlacementState st(e, 0.10);
  EXPECT_TRUE(st.fits(e.services[0], 0));
  st.add(e.services[0], 0);  // 4 of 9.9 GB used
  auto why = st.why_not(e.services[1], 0);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "needs 6.0 GB memory, 5.9 GB free of 9.9 GB after 10% headroom");
  PlacementState no_headroom(e, 0.0);
  no_headroom.add(e.services[0], 0);
  EXPECT_TRUE(no_headroom.fits(e.services[1], 0));  // 10 of 11 GB
}

TEST(Rules, CpuReservations) {
  auto e = estate("test", {server("a", gib(64), 2)}, {service("build", gib(1))});
  e.services[0].resources.cpu_reservation = 1500;
  PlacementState st(e, 0.10);
  EXPECT_TRUE(st.fits(e.services[0], 0));  // 1.5 of 1.8
  st.add(e.services[0], 0);
  auto why = st.why_not(e.services[0], 0);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("CPU"), std::string::npos);
}

TEST(Rules, Pins) {
  auto e = estate("test", {server("a", gib(8)), server("b", gib(8))}, {service("db", gib(1))});
  e.services[0].placement.pin = {"b"};
  PlacementState st(e, 0.1);
  EXPECT_EQ(st.why_not(e.services[0], 0).value_or(""), "is pinned to b");
  EXPECT_TRUE(st.fits(e.services[0], 1));
}

TEST(Rules, Labels) {
  auto e = estate("test", {server("a", gib(8)), server("b", gib(8))}, {service("db", gib(1))});
  e.servers[1].labels["disk"] = "ssd";
  e.servers[0].labels["disk"] = "hdd";
  e.services[0].placement.labels["disk"] = "ssd";
  PlacementState st(e, 0.1);
  EXPECT_EQ(st.why_not(e.services[0], 0).value_or(""), "needs node label disk=ssd, the server has disk=hdd");
  EXPECT_TRUE(st.fits(e.services[0], 1));
}

TEST(Rules, PinsAndLabelsConfineAServiceWhateverIsPlaced) {
  auto e = estate("test", {server("a", gib(8)), server("b", gib(8)), server("c", gib(8))},
                  {service("db", gib(1)), service("web", gib(1)), service("cache", gib(1))});
  e.servers[1].labels["disk"] = "ssd";
  e.servers[2].labels["disk"] = "ssd";
  e.services[0].placement.pin = {"b", "a"};
  e.services[0].placement.labels["disk"] = "ssd";
  e.services[2].placement.labels["disk"] = "ssd";
  PlacementState st(e, 0.1);
  const auto& ctx = st.context();
  EXPECT_EQ(eligible_servers(st.rules(), e.services[0], ctx), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(eligible_servers(st.rules(), e.services[1], ctx), std::nullopt);  // nothing confines web
  EXPECT_EQ(eligible_servers(st.rules(), e.services[2], ctx), (std::vector<std::uint32_t>{1, 2}));
  int capacity = 0;
  for (const auto& rule : st.rules()) capacity += rule->is_capacity();
  EXPECT_EQ(capacity, 2);  // memory and CPU
  // Which rules tell servers apart for the exact search: b and c differ only by name, a by its labels.
  std::vector<const model::Service*> unpinned{&e.services[1], &e.services[2]}, all{&e.services[0]};
  auto apart = [&](size_t x, size_t y, const std::vector<const model::Service*>& services) {
    int n = 0;
    for (const auto& rule : st.rules()) n += rule->tells_apart(e.servers[x], e.servers[y], services);
    return n;
  };
  EXPECT_EQ(apart(1, 2, unpinned), 0);
  EXPECT_EQ(apart(1, 2, all), 1);       // the pin rule, db being pinned
  EXPECT_EQ(apart(0, 1, unpinned), 1);  // the label rule
}

TEST(Rules, MaxReplicasPerNode) {
  auto e = estate("test", {server("a", gib(8))}, {service("web", gib(1), 3, model::Category::app)});
  e.services[0].placement.max_replicas_per_node = 2;
  PlacementState st(e, 0.1);
  st.add(e.services[0], 0);
  EXPECT_TRUE(st.fits(e.services[0], 0));
  st.add(e.services[0], 0);
  EXPECT_FALSE(st.fits(e.services[0], 0));
  st.remove(e.services[0], 0);
  EXPECT_TRUE(st.fits(e.services[0], 0));
}

TEST(Rules, AntiAffinityBothWaysReplicaApartAndHostPorts) {
  auto e = estate("test", {server("a", gib(16))},
                  {service("x", gib(1)), service("y", gib(1)), service("db", gib(1)),
                   service("db-replica", gib(1)), service("p1", gib(1)), service("p2", gib(1))});
  e.services[0].placement.anti_affinity = {"y"};
  e.services[3].data = model::DataSpec{};
  e.services[3].data->replica_of = "db";
  model::Port port;
  port.published = 25;
  port.mode = "host";
  e.services[4].ports = {port};
  e.services[5].ports = {port};
  PlacementState st(e, 0.1);
  st.add(e.services[1], 0);  // y is there: x may not come (declared on x)
  EXPECT_EQ(st.why_not(e.services[0], 0).value_or(""), "must not share a server with y, which is there");
  st.clear_server(0);
  st.add(e.services[0], 0);  // x is there: y may not come (declared on x only)
  EXPECT_FALSE(st.fits(e.services[1], 0));
  st.add(e.services[2], 0);
  EXPECT_FALSE(st.fits(e.services[3], 0));
  st.add(e.services[4], 0);
  EXPECT_FALSE(st.fits(e.services[5], 0));
}

TEST(Rules, EdgePortsOnlyOnEdgeServers) {
  auto e = estate("test", {server("edge", gib(8)), server("inner", gib(8))},
                  {service("traefik", gib(1), 1, model::Category::proxy)});
  model::Port https;
  https.published = 443;
  e.services[0].ports = {https};
  PlacementState without_edge(e, 0.1);
  EXPECT_TRUE(without_edge.fits(e.services[0], 1));  // no server is marked edge: any will do
  e.servers[0].hints.edge = true;
  PlacementState st(e, 0.1);
  EXPECT_TRUE(st.fits(e.services[0], 0));
  EXPECT_FALSE(st.fits(e.services[0], 1));
}

TEST(Rules, PlacementStateStartsFromAPlan) {
  auto e = estate("test", {server("a", gib(8)), server("b", gib(8))},
                  {service("web", gib(2), 2, model::Category::app)});
  Plan p;
  p.assignments = {{"web", 0, "a"}, {"web", 1, "a"}};
  PlacementState st(e, 0.1, p);
  EXPECT_EQ(st.load(0).memory, 4 * model::GiB);
  EXPECT_EQ(st.load(0).count(*st.context().service_id("web")), 2);
  EXPECT_EQ(st.load(1).total, 0);
}

}  // namespace
}  // namespace rehome::plan
