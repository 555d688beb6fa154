#pragma once
#include <string>
#include <vector>

namespace rehome::model {

// Levenshtein distance between two short names (keys, service names).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` when it is close enough to be a plausible typo, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rehome::model
