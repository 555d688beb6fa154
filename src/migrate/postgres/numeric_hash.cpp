// hash_numeric_extended (numeric.c) reproduced from a numeric's binary send form or from a decimal text.
// The server hashes the NumericDigit (int16, base 10000) array in memory, so the digits are hashed in
// host (little-endian) order after dropping zero digits at both ends; the weight of the first nonzero
// digit is XORed in, sign-extended to 64 bits. Neither sign nor scale counts.
#include <array>
#include <vector>

#include "migrate/postgres/hash_detail.hpp"

namespace rehome::migrate::pghash {

namespace {
constexpr uint16_t kNumericNaN = 0xC000;
constexpr uint16_t kNumericPInf = 0xD000;
constexpr uint16_t kNumericNInf = 0xF000;
constexpr int kStackDigits = 128;

}  // namespace

uint64_t numeric_digits(const uint16_t* digits, int ndigits, int weight, uint64_t seed) {
  int start = 0;
  while (start < ndigits && digits[start] == 0) {
    ++start;
    --weight;
  }
  if (start == ndigits) return seed - 1;
  int end = ndigits;
  while (digits[end - 1] == 0) --end;
  uint64_t h = any(digits + start, static_cast<size_t>(end - start) * sizeof(uint16_t), seed);
  return h ^ static_cast<uint64_t>(static_cast<int64_t>(weight));
}

uint64_t numeric_binary(std::string_view field, uint64_t seed) {
  if (field.size() < 8) fail("numeric shorter than its header");
  const char* p = field.data();
  int ndigits = static_cast<int16_t>(be16(p));
  int weight = static_cast<int16_t>(be16(p + 2));
  uint16_t sign = be16(p + 4);
  if (sign == kNumericNaN || sign == kNumericPInf || sign == kNumericNInf) return seed;
  if (ndigits < 0 || field.size() != 8 + 2 * static_cast<size_t>(ndigits)) fail("numeric of a wrong length");
  std::array<uint16_t, kStackDigits> small;
  std::vector<uint16_t> big;
  uint16_t* digits = small.data();
  if (ndigits > kStackDigits) {
    big.resize(static_cast<size_t>(ndigits));
    digits = big.data();
  }
  for (int i = 0; i < ndigits; ++i) digits[i] = be16(p + 8 + 2 * i);
  return numeric_digits(digits, ndigits, weight, seed);
}

uint64_t numeric_text(std::string_view text, uint64_t seed) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t int_begin = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  size_t int_end = i;
  size_t frac_begin = i, frac_end = i;
  if (i < text.size() && text[i] == '.') {
    frac_begin = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    frac_end = i;
  }
  if (int_end == int_begin && frac_end == frac_begin) fail("number without digits");
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
    if (i == text.size()) fail("number with an empty exponent");
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 1000000) fail("number exponent out of range");
    }
    if (negative) exponent = -exponent;
  }
  if (i != text.size()) fail("malformed number");

  // One pass over the mantissa's digits from the highest power of ten down, from the first nonzero one,
  // filling base-10000 groups (group g holds the powers 4g..4g+3; >> and & floor for negatives too).
  // Zero groups at the end are dropped by numeric_digits.
  int power = static_cast<int>(int_end - int_begin) - 1 + static_cast<int>(exponent);
  const size_t capacity = (int_end - int_begin + frac_end - frac_begin) / 4 + 2;
  std::array<uint16_t, kStackDigits> small;
  std::vector<uint16_t> big;
  uint16_t* groups = small.data();
  if (capacity > kStackDigits) {
    big.resize(capacity);
    groups = big.data();
  }
  static constexpr uint16_t kPow10[4] = {1, 10, 100, 1000};
  bool started = false;
  int weight = 0;
  int ngroups = 0;
  unsigned acc = 0;  // the group being filled
  const std::string_view parts[2] = {text.substr(int_begin, int_end - int_begin),
                                     text.substr(frac_begin, frac_end - frac_begin)};
  for (std::string_view part : parts) {
    for (char ch : part) {
      auto d = static_cast<unsigned>(ch - '0');
      if (!started) {
        if (d == 0) {
          --power;
          continue;
        }
        started = true;
        weight = power >> 2;
      }
      acc += d * kPow10[power & 3];
      if ((power & 3) == 0) {  // the group's last digit
        groups[ngroups++] = static_cast<uint16_t>(acc);
        acc = 0;
      }
      --power;
    }
  }
  if (!started) return seed - 1;
  if (((power + 1) & 3) != 0) groups[ngroups++] = static_cast<uint16_t>(acc);  // a partial last group
  return numeric_digits(groups, ngroups, weight, seed);
}

}  // namespace rehome::migrate::pghash
