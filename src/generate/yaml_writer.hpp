#pragma once
// A thin layer over yaml-cpp's emitter for generated files: strings that a YAML reader would take
// for a number, boolean or null ("3.8", "true", "yes", "0755") are always quoted, so Compose, Swarm,
// Prometheus and Kubernetes read back exactly the text we meant. Output is deterministic.
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace rehome::generate {

// True when `text` written plain would not read back as the same string.
bool needs_quotes(const std::string& text);

class YamlWriter {
 public:
  YamlWriter();
  YamlWriter& map();
  YamlWriter& end_map();
  YamlWriter& seq();
  YamlWriter& end_seq();
  YamlWriter& key(const std::string& k);
  YamlWriter& value(const std::string& v);
  YamlWriter& value(const char* v) { return value(std::string(v)); }
  YamlWriter& value(std::int64_t v);
  YamlWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  YamlWriter& value(bool v);
  YamlWriter& quoted(const std::string& v);                  // always quoted (Kubernetes label values, ...)
  YamlWriter& flow(const std::vector<std::string>& items);   // [a, b, c] on one line
  YamlWriter& block(const std::vector<std::string>& items);  // - a\n- b
  YamlWriter& empty_map();                                   // {}

  template <typename T>
  YamlWriter& kv(const std::string& k, const T& v) {
    key(k);
    return value(v);
  }

  std::string str() const;  // the document, ending in a newline

 private:
  YAML::Emitter out_;
};

// Compose/Swarm CPU as a decimal string: 1500 -> "1.5", 250 -> "0.25", 2000 -> "2".
std::string decimal_cpus(std::int64_t millicpu);

}  // namespace rehome::generate
