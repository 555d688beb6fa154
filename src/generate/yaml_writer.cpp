#include "generate/yaml_writer.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include <fmt/format.h>

namespace rehome::generate {

bool needs_quotes(const std::string& text) {
  if (text.empty()) return true;
  static const std::regex special(
      R"(^(true|false|yes|no|on|off|y|n|null|~|True|False|Yes|No|On|Off|TRUE|FALSE|YES|NO|ON|OFF|Null|NULL)$)");
  static const std::regex number(
      R"(^[-+]?(\.?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$)");
  static const std::regex sexagesimal(R"(^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$)");
  return std::regex_match(text, special) || std::regex_match(text, number) ||
         std::regex_match(text, sexagesimal);
}

YamlWriter::YamlWriter() {
  out_.SetIndent(2);
  out_.SetSeqFormat(YAML::Block);
  out_.SetMapFormat(YAML::Block);
}

YamlWriter& YamlWriter::map() {
  out_ << YAML::BeginMap;
  return *this;
}
YamlWriter& YamlWriter::end_map() {
  out_ << YAML::EndMap;
  return *this;
}
YamlWriter& YamlWriter::seq() {
  out_ << YAML::BeginSeq;
  return *this;
}
YamlWriter& YamlWriter::end_seq() {
  out_ << YAML::EndSeq;
  return *this;
}
YamlWriter& YamlWriter::key(const std::string& k) {
  out_ << YAML::Key;
  if (needs_quotes(k)) out_ << YAML::DoubleQuoted;
  out_ << k << YAML::Value;
  return *this;
}
YamlWriter& YamlWriter::value(const std::string& v) {
  if (needs_quotes(v)) out_ << YAML::DoubleQuoted;
  out_ << v;
  return *this;
}
YamlWriter& YamlWriter::quoted(const std::string& v) {
  out_ << YAML::DoubleQuoted << v;
  return *this;
}
YamlWriter& YamlWriter::value(std::int64_t v) {
  out_ << v;
  return *this;
}
YamlWriter& YamlWriter::value(bool v) {
  out_ << YAML::TrueFalseBool << v;
  return *this;
}
YamlWriter& YamlWriter::flow(const std::vector<std::string>& items) {
  out_ << YAML::Flow << YAML::BeginSeq;
  for (const auto& i : items) value(i);
  out_ << YAML::EndSeq;
  return *this;
}
YamlWriter& YamlWriter::block(const std::vector<std::string>& items) {
  out_ << YAML::BeginSeq;
  for (const auto& i : items) value(i);
  out_ << YAML::EndSeq;
  return *this;
}
YamlWriter& YamlWriter::empty_map() {
  out_ << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  return *this;
}

std::string YamlWriter::str() const {
  std::string text = out_.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string decimal_cpus(std::int64_t millicpu) {
  std::string text = fmt::format("{}.{:03}", millicpu / 1000, millicpu % 1000);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace rehome::generate
