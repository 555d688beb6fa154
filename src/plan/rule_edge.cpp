#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// A service taking public traffic (ports 80/443) runs on an edge server, when the estate names any:
// only those get the router's port forward and the firewall opening.
class EdgeRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "edge"; }
  bool tells_apart(const model::Server& a, const model::Server& b,
                   const std::vector<const model::Service*>&) const override {
    return a.hints.edge != b.hints.edge;
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server, const ServerLoad&,
                                   const PlacementContext& ctx) const override {
    if (!ctx.has_edge_servers || server.hints.edge || svc.global || !needs_edge(svc)) return std::nullopt;
    return std::string("publishes port 80/443 but the server is not an edge server");
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_edge_rule() { return std::make_unique<EdgeRule>(); }

}  // namespace rehome::plan
