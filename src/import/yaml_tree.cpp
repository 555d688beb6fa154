#include "import/yaml_tree.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "common/error.hpp"

namespace rehome::import {
namespace {

constexpr int kMaxDepth = 200;  // deeper than any real compose file; stops runaway recursion
// Nodes a walk that follows aliases may visit: real compose files have a few thousand. Aliases of
// aliases (`b: [*a, *a]`, `c: [*b, *b]`, ...) double it per level: an alias bomb (found by fuzzing:
// the importer's walks took minutes on a 1 KB file).
constexpr size_t kMaxExpandedNodes = 100000;

// The nodes a walk following aliases visits, counting stops once past `kMaxExpandedNodes`.
void count_expanded(const YAML::Node& node, size_t& seen, int depth) {
  if (++seen > kMaxExpandedNodes || depth > kMaxDepth) return;
  if (node.IsSequence()) {
    for (const auto& item : node) {
      count_expanded(item, seen, depth + 1);
      if (seen > kMaxExpandedNodes) return;
    }
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      count_expanded(kv.first, seen, depth + 1);
      count_expanded(kv.second, seen, depth + 1);
      if (seen > kMaxExpandedNodes) return;
    }
  }
}

const std::set<std::string> kAccumulatingLists{"ports",   "expose",      "volumes",  "secrets", "configs",
                                               "dns",     "dns_search",  "tmpfs",    "cap_add", "cap_drop",
                                               "devices", "extra_hosts", "env_file", "links",   "profiles"};

bool has_merge_key(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) throw UserError("YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (node.IsSequence()) {
    for (const auto& item : node)
      if (has_merge_key(item, depth + 1)) return true;
  } else if (node.IsMap()) {
    for (const auto& kv : node)
      if ((kv.first.IsScalar() && kv.first.Scalar() == "<<") || has_merge_key(kv.second, depth + 1))
        return true;
  }
  return false;
}

// Rebuilds only what holds a `<<` key: untouched nodes keep their positions for messages.
YAML::Node expand(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) throw UserError("YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (!has_merge_key(node, depth)) return node;
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : node) out.push_back(expand(item, depth + 1));
    return out;
  }
  if (!node.IsMap()) return node;
  // The original key nodes are kept (force_insert), so a service's name still knows its line
  // after its mapping is rebuilt: notes point at the service, not at "file" alone.
  std::vector<std::pair<YAML::Node, YAML::Node>> entries;
  auto take = [&](const YAML::Node& source) {
    if (!source.IsMap()) return;
    for (const auto& kv : source) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "<<") continue;
      auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& e) {
        return e.first.IsScalar() && kv.first.IsScalar() && e.first.Scalar() == kv.first.Scalar();
      });
      if (same != entries.end())
        *same = {kv.first, expand(kv.second, depth + 1)};
      else
        entries.emplace_back(kv.first, expand(kv.second, depth + 1));
    }
  };
  for (const auto& kv : node) {
    if (kv.first.IsScalar() && kv.first.Scalar() == "<<") {
      // Later mappings in a `<<: [*a, *b]` list lose to earlier ones, so apply them in reverse.
      if (kv.second.IsSequence())
        for (size_t i = kv.second.size(); i-- > 0;) take(expand(kv.second[i], depth + 1));
      else
        take(expand(kv.second, depth + 1));
    }
  }
  take(node);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& [key, value] : entries) out.force_insert(key, value);
  return out;
}

bool same_scalar(const YAML::Node& a, const YAML::Node& b) {
  return a.IsScalar() && b.IsScalar() && a.Scalar() == b.Scalar();
}

YAML::Node merge(const YAML::Node& base, const YAML::Node& over, int depth) {
  if (depth > kMaxDepth) throw UserError("YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (!base.IsMap() || !over.IsMap()) return over;
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& kv : base) out[kv.first.Scalar()] = kv.second;
  for (const auto& kv : over) {
    const std::string key = kv.first.Scalar();
    const YAML::Node b = child(base, key);
    if (b && b.IsMap() && kv.second.IsMap()) {
      out[key] = merge(b, kv.second, depth + 1);
    } else if (b && b.IsSequence() && kv.second.IsSequence() && kAccumulatingLists.count(key)) {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const auto& item : b) list.push_back(item);
      for (const auto& item : kv.second) {
        bool dup = false;
        for (const auto& existing : b) dup = dup || same_scalar(existing, item);
        if (!dup) list.push_back(item);
      }
      out[key] = list;
    } else {
      out[key] = kv.second;
    }
  }
  return out;
}

void interpolate_at(YAML::Node& node, Interpolation& ctx, const std::string& file, int depth,
                    std::vector<UserError>& errors) {
  if (depth > kMaxDepth)
    throw UserError(where(file, node) + ": YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.find('$') == std::string::npos) return;
    try {
      // A quoted scalar keeps its tag "!"; keep it a string after replacement.
      node = interpolate(text, ctx, where(file, node));
    } catch (const UserError& e) {
      errors.push_back(e);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      YAML::Node child = node[i];
      interpolate_at(child, ctx, file, depth + 1, errors);
    }
  } else if (node.IsMap()) {
    for (auto kv : node) interpolate_at(kv.second, ctx, file, depth + 1, errors);
  }
}

}  // namespace

YAML::Node child(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node value = node[key];
  return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Undefined);
}

std::string where(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return file;
  if (!node.Mark().is_null()) return file + ":" + std::to_string(node.Mark().line + 1);
  // A mapping rebuilt by a merge has no position of its own: use its first value's.
  if (node.IsMap())
    for (const auto& kv : node)
      if (!kv.second.Mark().is_null()) return file + ":" + std::to_string(kv.second.Mark().line + 1);
  return file;
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node root = YAML::Load(text);
    size_t seen = 0;
    count_expanded(root, seen, 0);
    if (seen > kMaxExpandedNodes)
      throw UserError(file + ": the YAML expands to more than " + std::to_string(kMaxExpandedNodes) +
                          " values through aliases of aliases",
                      "write the repeated settings out, or nest fewer anchors inside anchors");
    return root;
  } catch (const YAML::Exception& e) {
    std::string pos = e.mark.is_null() ? file
                                       : file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                             std::to_string(e.mark.column + 1);
    throw UserError(pos + ": not valid YAML: " + e.msg, "fix the YAML syntax at that position");
  }
}

void interpolate_tree(YAML::Node& node, Interpolation& ctx, const std::string& file) {
  std::vector<UserError> errors;
  interpolate_at(node, ctx, file, 0, errors);
  if (errors.empty()) return;
  if (errors.size() == 1) throw errors.front();
  std::string all;
  for (const auto& e : errors) all += std::string(all.empty() ? "" : "\n") + e.what();
  throw UserError(file + ": " + std::to_string(errors.size()) + " problems:\n" + all, errors.front().hint(),
                  errors.front().exit_code());
}

YAML::Node expand_merge_keys(const YAML::Node& node) { return expand(node, 0); }

YAML::Node merge_service(const YAML::Node& base, const YAML::Node& over) { return merge(base, over, 0); }

std::string scalar(const YAML::Node& node, const std::string& file, const std::string& what) {
  if (!node.IsScalar())
    throw UserError(where(file, node) + ": " + what + " must be a single value, not a " +
                        (node.IsMap()        ? "mapping"
                         : node.IsSequence() ? "list"
                                             : "null"),
                    "see the Compose specification for " + what);
  return node.Scalar();
}

bool boolean(const YAML::Node& node, const std::string& file, const std::string& what) {
  std::string v = scalar(node, file, what);
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "yes" || v == "on" || v == "y") return true;
  if (v == "false" || v == "no" || v == "off" || v == "n") return false;
  throw UserError(where(file, node) + ": " + what + " must be true or false, not \"" + node.Scalar() + "\"");
}

}  // namespace rehome::import
