#include <cctype>
#include <cstdlib>

#include "move/final_sync.hpp"

namespace rehome::move {
namespace {

std::string lookup(const std::string& name, const runbook::Env& env) {
  if (auto it = env.find(name); it != env.end()) return it->second;
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::string expand_variables(const std::string& text, const runbook::Env& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] != '{') {
      size_t j = i + 1;
      while (j < text.size() && name_char(text[j])) ++j;
      if (j == i + 1) {
        out += '$';
        continue;
      }
      out += lookup(text.substr(i + 1, j - i - 1), env);
      i = j - 1;
      continue;
    }
    // ${...}: find the matching brace (words may hold ${...} themselves).
    size_t j = i + 2;
    int depth = 1;
    for (; j < text.size() && depth; ++j) {
      if (text[j] == '{') ++depth;
      if (text[j] == '}') --depth;
    }
    std::string inner = text.substr(i + 2, j - i - 3);
    i = j - 1;
    size_t k = 0;
    while (k < inner.size() && name_char(inner[k])) ++k;
    std::string value = lookup(inner.substr(0, k), env);
    std::string op = inner.substr(k, 2);
    std::string word = k + 2 <= inner.size() ? inner.substr(k + 2) : "";
    if (op == ":-")
      out += value.empty() ? expand_variables(word, env) : value;
    else if (op == ":+")
      out += value.empty() ? "" : expand_variables(word, env);
    else
      out += value;
  }
  return out;
}

}  // namespace rehome::move
