#include "model/yaml_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "model/did_you_mean.hpp"

namespace rehome::model {
namespace {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "empty";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    default:
      return "undefined";
  }
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

SourceLocation FieldReader::where(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0) return SourceLocation{.file = file_};
  return SourceLocation{.file = file_, .line = m.line + 1, .column = m.column + 1};
}

void FieldReader::problem(const YAML::Node& node, const std::string& path, std::string message,
                          std::string hint) {
  problems_.push_back(Problem{where(node), path, std::move(message), std::move(hint)});
}

bool FieldReader::for_each_entry(const YAML::Node& node, const std::string& path,
                                 const std::vector<std::string>& allowed, const EntryFn& each) {
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    problem(node, path, "expected a mapping of `key: value` lines, found " + describe(node),
            "indent the fields under `" + (path.empty() ? std::string("the top level") : path) + ":`");
    return false;
  }
  std::set<std::string> seen;
  std::vector<YAML::Node> merged;  // `<<: *defaults` sources, applied after the explicit keys
  auto visit = [&](const YAML::Node& key, const YAML::Node& value) {
    const std::string& name = key.Scalar();
    std::string child = path.empty() ? name : path + "." + name;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string guess = did_you_mean(name, allowed);
      problem(key, child, "unknown key `" + name + "`",
              guess.empty() ? "known keys here: " + join(allowed) : "did you mean `" + guess + "`?");
      return;
    }
    locations_.add(child, where(key));
    each(name, value, child);
  };
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      problem(key, path, "a key must be a plain name, found " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (name == "<<") {  // a YAML merge key: one mapping or a list of them
      if (value.IsMap())
        merged.push_back(value);
      else if (value.IsSequence() &&
               std::all_of(value.begin(), value.end(), [](const YAML::Node& n) { return n.IsMap(); }))
        for (const auto& m : value) merged.push_back(m);
      else
        problem(key, path, "`<<` merges a mapping (`<<: *defaults`), found " + describe(value));
      continue;
    }
    if (!seen.insert(name).second) {
      problem(key, path.empty() ? name : path + "." + name, "`" + name + "` is given twice",
              "keep one of them");
      continue;
    }
    visit(key, value);
  }
  // Merged fields fill in what the mapping does not set itself; the first source wins, as in YAML 1.1.
  for (const auto& source : merged)
    for (const auto& entry : source)
      if (entry.first.IsScalar() && entry.first.Scalar() != "<<" && seen.insert(entry.first.Scalar()).second)
        visit(entry.first, entry.second);
  return true;
}

std::optional<std::string> FieldReader::text(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) return node.Scalar();
  problem(node, path, "expected a single value, found " + describe(node));
  return std::nullopt;
}

std::optional<bool> FieldReader::boolean(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "yes" || s == "on" || s == "True" || s == "Yes") return true;
    if (s == "false" || s == "no" || s == "off" || s == "False" || s == "No") return false;
  }
  problem(node, path, "expected true or false, found " + describe(node));
  return std::nullopt;
}

std::optional<long long> FieldReader::integer(const YAML::Node& node, const std::string& path, long long min,
                                              long long max) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    long long v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) {
      if (v >= min && v <= max) return v;
      problem(node, path, fmt::format("{} is out of range", v),
              fmt::format("use a number from {} to {}", min, max));
      return std::nullopt;
    }
  }
  problem(node, path, "expected a whole number, found " + describe(node));
  return std::nullopt;
}

std::optional<Bytes> FieldReader::bytes(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    if (auto b = parse_bytes(node.Scalar())) return b;
  }
  problem(node, path, describe(node) + " is not a size", "write it as people do: 512M, 1.5G, 4GB, 2GiB");
  return std::nullopt;
}

std::optional<MilliCpu> FieldReader::cpu(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    if (auto c = parse_cpu(node.Scalar())) return c;
  }
  problem(node, path, describe(node) + " is not a CPU amount",
          "write threads (2, 0.5, 1.5) or millicores (500m)");
  return std::nullopt;
}

std::optional<Millis> FieldReader::duration(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    if (auto d = parse_duration(node.Scalar())) return d;
  }
  problem(node, path, describe(node) + " is not a duration", "write 10s, 500ms, 1m30s or 2h");
  return std::nullopt;
}

std::optional<double> FieldReader::share(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    std::string s = node.Scalar();
    bool percent = !s.empty() && s.back() == '%';
    if (percent) s.pop_back();
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(v)) {
      if (percent) v /= 100.0;
      if (v >= 0 && v < 1) return v;
    }
  }
  problem(node, path, describe(node) + " is not a share below 100 %", "write a percentage such as 10%");
  return std::nullopt;
}

std::vector<std::string> FieldReader::names(const YAML::Node& node, const std::string& path) {
  std::vector<std::string> out;
  if (node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    problem(node, path, "expected a list of names, found " + describe(node),
            "write [a, b] or one `- name` per line");
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::string item = fmt::format("{}[{}]", path, i);
    record(item, node[i]);
    if (auto s = text(node[i], item)) out.push_back(*s);
  }
  return out;
}

std::map<std::string, std::string> FieldReader::string_map(const YAML::Node& node, const std::string& path) {
  std::map<std::string, std::string> out;
  for_each_entry(node, path, {},
                 [&](const std::string& key, const YAML::Node& value, const std::string& child) {
                   if (auto s = text(value, child)) out[key] = *s;
                 });
  return out;
}

}  // namespace rehome::model
