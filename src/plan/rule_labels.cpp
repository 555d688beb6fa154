#include <algorithm>

#include <fmt/format.h>

#include "plan/feasibility.hpp"

namespace rehome::plan {
namespace {

// placement.labels: the server must carry every required node label with the same value.
class LabelRule final : public FeasibilityRule {
 public:
  std::string_view name() const override { return "labels"; }
  bool tells_apart(const model::Server& a, const model::Server& b,
                   const std::vector<const model::Service*>&) const override {
    return a.labels != b.labels;
  }
  bool confines(const model::Service& svc) const override { return !svc.placement.labels.empty(); }
  bool eligible(const model::Service& svc, const model::Server& server,
                const PlacementContext&) const override {
    return std::all_of(svc.placement.labels.begin(), svc.placement.labels.end(), [&](const auto& kv) {
      auto it = server.labels.find(kv.first);
      return it != server.labels.end() && it->second == kv.second;
    });
  }
  std::optional<std::string> check(const model::Service& svc, const model::Server& server, const ServerLoad&,
                                   const PlacementContext&) const override {
    for (const auto& [key, value] : svc.placement.labels) {
      auto it = server.labels.find(key);
      if (it == server.labels.end())
        return fmt::format("needs node label {}={}, which the server lacks", key, value);
      if (it->second != value)
        return fmt::format("needs node label {}={}, the server has {}={}", key, value, key, it->second);
    }
    return std::nullopt;
  }
};

}  // namespace

std::unique_ptr<FeasibilityRule> make_label_rule() { return std::make_unique<LabelRule>(); }

}  // namespace rehome::plan
