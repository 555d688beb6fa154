#pragma once
#include <string>
#include <vector>

namespace rehome {

// An aligned text table for people. Columns whose header starts with '>' are right-aligned
// (the '>' is not printed). Widths count UTF-8 code points, so ✓ and — line up.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  std::string render() const;  // header, a rule of '-', then rows; ends with '\n'
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of a UTF-8 string (code points; good enough for the symbols we use).
size_t display_width(const std::string& s);

}  // namespace rehome
