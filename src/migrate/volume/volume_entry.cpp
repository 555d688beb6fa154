#include "migrate/volume/volume_entry.hpp"

#include <cstdio>
#include <stdexcept>

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

std::optional<Entry> parse_entry(const std::string& line) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  if (f.size() != 15 || f[0].size() != 1) return std::nullopt;
  try {
    Entry e;
    e.type = f[0][0];
    e.path = unescape_field(f[1]);
    e.mode = static_cast<uint32_t>(std::stoul(f[2], nullptr, 8));
    e.uid = static_cast<uint32_t>(std::stoul(f[3]));
    e.gid = static_cast<uint32_t>(std::stoul(f[4]));
    e.size = std::stoull(f[5]);
    e.mtime_ns = std::stoll(f[6]);
    e.ino = std::stoull(f[7]);
    e.ctime_ns = std::stoll(f[8]);
    e.nlink = std::stoull(f[9]);
    e.rdev = std::stoull(f[10]);
    e.sha256 = unescape_field(f[11]);
    e.link = unescape_field(f[12]);
    e.xattrs = unescape_field(f[13]);
    e.leader = unescape_field(f[14]);
    return e;
  } catch (const std::exception&) {
    return std::nullopt;
  }
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
