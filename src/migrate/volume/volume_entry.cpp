#include "migrate/volume/volume_entry.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace rehome::migrate::volume {

std::string escape_field(const std::string& raw) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c < 0x20 || c == '%' || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out.empty() ? std::string("%") : out;  // a lone "%" is the empty string
}

std::string unescape_field(const std::string& field) {
  if (field == "%") return {};
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '%' && i + 2 < field.size()) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::string format_entry(const Entry& e) {
  char nums[256];
  std::snprintf(nums, sizeof(nums), "%o\t%u\t%u\t%llu\t%lld\t%llu\t%lld\t%llu\t%llu", e.mode, e.uid, e.gid,
                static_cast<unsigned long long>(e.size), static_cast<long long>(e.mtime_ns),
                static_cast<unsigned long long>(e.ino), static_cast<long long>(e.ctime_ns),
                static_cast<unsigned long long>(e.nlink), static_cast<unsigned long long>(e.rdev));
  std::string out(1, e.type);
  out += '\t';
  out += escape_field(e.path);
  out += '\t';
  out += nums;
  for (const std::string* f : {&e.sha256, &e.link, &e.xattrs, &e.leader}) {
    out += '\t';
    out += escape_field(*f);
  }
  return out;
}

namespace {

// A field as it is on the line, unescaped only when it holds an escape.
std::string field_text(std::string_view f) {
  return f.find('%') == std::string_view::npos ? std::string(f) : unescape_field(std::string(f));
}

template <typename T>
bool number(std::string_view f, T& out, int base = 10) {
  auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), out, base);
  return ec == std::errc() && end == f.data() + f.size();
}

}  // namespace

std::optional<Entry> parse_entry(const std::string& line) {
  std::string_view f[15];
  std::string_view rest(line);
  size_t n = 0;
  while (true) {
    size_t tab = rest.find('\t');
    if (n == 15) return std::nullopt;
    f[n++] = rest.substr(0, tab);
    if (tab == std::string_view::npos) break;
    rest.remove_prefix(tab + 1);
  }
  if (n != 15 || f[0].size() != 1) return std::nullopt;
  Entry e;
  e.type = f[0][0];
  e.path = field_text(f[1]);
  if (!number(f[2], e.mode, 8) || !number(f[3], e.uid) || !number(f[4], e.gid) || !number(f[5], e.size) ||
      !number(f[6], e.mtime_ns) || !number(f[7], e.ino) || !number(f[8], e.ctime_ns) ||
      !number(f[9], e.nlink) || !number(f[10], e.rdev))
    return std::nullopt;
  e.sha256 = field_text(f[11]);
  e.link = field_text(f[12]);
  e.xattrs = field_text(f[13]);
  e.leader = field_text(f[14]);
  return e;
}

std::vector<Entry> parse_manifest(const std::string& text) {
  std::vector<Entry> out;
  size_t start = 0, line_no = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty()) continue;
    auto e = parse_entry(line);
    if (!e) throw std::runtime_error("manifest line " + std::to_string(line_no) + " is malformed");
    out.push_back(std::move(*e));
  }
  return out;
}

bool same_entry(const Entry& a, const Entry& b) { return entry_differences(a, b).empty(); }

std::string entry_differences(const Entry& a, const Entry& b) {
  std::string out;
  auto add = [&](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  if (a.type != b.type) {
    add(std::string("type ") + a.type + " != " + b.type);
    return out;
  }
  if (a.mode != b.mode) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "mode %04o != %04o", a.mode, b.mode);
    add(buf);
  }
  if (a.uid != b.uid || a.gid != b.gid)
    add("owner " + std::to_string(a.uid) + ":" + std::to_string(a.gid) + " != " + std::to_string(b.uid) +
        ":" + std::to_string(b.gid));
  if (a.type != 'd' && a.size != b.size)
    add("size " + std::to_string(a.size) + " != " + std::to_string(b.size));
  // A symlink's mtime cannot be set everywhere; a directory's is set last. Both are compared.
  if (a.mtime_ns != b.mtime_ns) add("mtime");
  if (a.rdev != b.rdev) add("device number");
  if (a.sha256 != b.sha256) add("sha256");
  if (a.link != b.link) add("link target");
  if (a.xattrs != b.xattrs) add("xattrs");
  if (a.leader != b.leader) add("hard links");
  return out;
}

void append_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void append_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string record(char tag, const std::string& header) {
  std::string out(1, tag);
  append_u32(out, static_cast<uint32_t>(header.size()));
  out += header;
  return out;
}

}  // namespace rehome::migrate::volume
