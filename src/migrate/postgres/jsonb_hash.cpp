// jsonb_hash_extended (jsonb_op.c) reproduced from jsonb_out's text, which is what a jsonb's binary COPY
// form carries after its version byte. jsonb_out prints in the jsonb iterator's order (object keys
// already sorted and deduplicated by storage), so one pass over the text yields the iterator's tokens:
// a container's start XORs its flag into both 32-bit halves, every key, value and element rotates the
// hash (each half left by one) and XORs in the scalar's own hash. A scalar root is a one-element array;
// an empty root container hashes as the seed.
#include <string>

#include "migrate/postgres/hash_detail.hpp"

namespace rehome::migrate::pghash {

namespace {

constexpr uint64_t kArrayFlag = 0x40000000;   // JB_FARRAY
constexpr uint64_t kObjectFlag = 0x20000000;  // JB_FOBJECT
constexpr int kMaxDepth = 4000;

uint64_t rotate_halves(uint64_t v) {
  return ((v << 1) & 0xfffffffefffffffeULL) | ((v >> 31) & 0x100000001ULL);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonbHasher {
 public:
  JsonbHasher(std::string_view text, uint64_t seed) : s_(text), seed_(seed) {}

  uint64_t run() {
    skip_space();
    if (at_end()) fail("empty jsonb");
    char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (empty_container()) return seed_;
      value(0);
    } else {
      hash_ ^= (kArrayFlag << 32) | kArrayFlag;  // the raw scalar's pseudo-array
      value(0);
    }
    skip_space();
    if (!at_end()) fail("trailing bytes after jsonb");
    return hash_;
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_space() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (at_end() || s_[pos_] != c) fail(std::string("jsonb: expected '") + c + "'");
    ++pos_;
  }
  // Whether the container starting at pos_ is empty ("{}" or "[]", maybe with spaces inside).
  bool empty_container() {
    size_t p = pos_ + 1;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\n' || s_[p] == '\t' || s_[p] == '\r')) ++p;
    return p < s_.size() && (s_[p] == '}' || s_[p] == ']');
  }
  void mix(uint64_t scalar_hash) { hash_ = rotate_halves(hash_) ^ scalar_hash; }

  // A key, value or element: a container opens with its flag, a scalar mixes its hash.
  void value(int depth) {
    skip_space();
    if (at_end()) fail("jsonb ends inside a value");
    if (depth > kMaxDepth) fail("jsonb nested too deeply");
    switch (s_[pos_]) {
      case '{':
        ++pos_;
        hash_ ^= (kObjectFlag << 32) | kObjectFlag;
        members(depth, true);
        return;
      case '[':
        ++pos_;
        hash_ ^= (kArrayFlag << 32) | kArrayFlag;
        members(depth, false);
        return;
      case '"':
        mix(string());
        return;
      case 't':
        literal("true");
        mix(seed_ ? uint32(1, seed_) : 0x02);
        return;
      case 'f':
        literal("false");
        mix(seed_ ? uint32(0, seed_) : 0x04);
        return;
      case 'n':
        literal("null");
        mix(seed_ + 0x01);
        return;
      default:
        mix(number());
        return;
    }
  }

  // An object's members (key: value) or an array's elements, after the opening bracket.
  void members(int depth, bool object) {
    const char close = object ? '}' : ']';
    skip_space();
    if (!at_end() && s_[pos_] == close) {
      ++pos_;
      return;
    }
    for (;;) {
      if (object) {
        skip_space();
        if (at_end() || s_[pos_] != '"') fail("jsonb: expected a key");
        mix(string());
        expect(':');
      }
      value(depth + 1);
      skip_space();
      if (at_end()) fail("jsonb ends inside a container");
      char c = s_[pos_++];
      if (c == close) return;
      if (c != ',') fail("jsonb: expected ',' or the container's end");
    }
  }

  void literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("jsonb: bad literal");
    pos_ += word.size();
  }

  uint64_t number() {
    size_t begin = pos_;
    while (!at_end()) {
      char c = s_[pos_];
      if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
        ++pos_;
      } else {
        break;
      }
    }
    if (pos_ == begin) fail("jsonb: unexpected character");
    return numeric_text(s_.substr(begin, pos_ - begin), seed_);
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("jsonb: short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("jsonb: bad \\u escape");
      }
    }
    return v;
  }

  // Hashes the string at pos_ (its unescaped bytes); without escapes, in place.
  uint64_t string() {
    ++pos_;  // the opening quote
    size_t begin = pos_;
    while (!at_end() && s_[pos_] != '"' && s_[pos_] != '\\') ++pos_;
    if (at_end()) fail("jsonb: unterminated string");
    if (s_[pos_] == '"') {
      ++pos_;
      return any(s_.data() + begin, pos_ - 1 - begin, seed_);
    }
    // Reused across values and rows, so unescaping allocates only when a string is longer than any before.
    static thread_local std::string out;
    out.assign(s_.data() + begin, pos_ - begin);
    while (!at_end() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("jsonb: unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
              fail("jsonb: lone surrogate");
            pos_ += 2;
            uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("jsonb: bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("jsonb: lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("jsonb: bad escape");
      }
    }
    if (at_end()) fail("jsonb: unterminated string");
    ++pos_;
    return any(out.data(), out.size(), seed_);
  }

  std::string_view s_;
  uint64_t seed_;
  size_t pos_ = 0;
  uint64_t hash_ = 0;
};

}  // namespace

uint64_t jsonb_text(std::string_view text, uint64_t seed) {
  JsonbHasher h(text, seed);
  return h.run();
}

}  // namespace rehome::migrate::pghash
