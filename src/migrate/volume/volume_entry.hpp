#pragma once
// One file-system entry of a volume as the helper sees it (its manifest line), and the wire records
// the helpers exchange. Standard library only: the static helper program compiles this file too.
//
// Manifest line (one per entry, fields separated by TAB, bytes < 0x21 other than space... escaped):
//   type path mode uid gid size mtime_ns ino ctime_ns nlink rdev sha256 link xattrs leader
// type: f regular, d directory, l symlink, p fifo, c char device, b block device, s socket.
// `leader`: for a regular file with several names in the volume, the smallest of those paths (so
// both sides name a hard-link group the same way); empty otherwise. `xattrs`: name=hex;... sorted.
// `ino` and `ctime_ns` are only the cache key (a file whose size, mtime, ctime and inode are as in
// the previous manifest keeps its sha256 without a read); they never take part in a comparison.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rehome::migrate::volume {

struct Entry {
  char type = 'f';
  std::string path;   // relative to the volume's root; "." is the root itself
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (no type bits)
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t ino = 0;
  int64_t ctime_ns = 0;
  uint64_t nlink = 1;
  uint64_t rdev = 0;
  std::string sha256;  // regular files only
  std::string link;    // symlink target
  std::string xattrs;
  std::string leader;
};

// Percent-escapes TAB, newline, '%' and other control bytes, so any path fits one line.
std::string escape_field(const std::string& raw);
std::string unescape_field(const std::string& field);

std::string format_entry(const Entry& e);  // without the newline
std::optional<Entry> parse_entry(const std::string& line);
std::vector<Entry> parse_manifest(const std::string& text);  // skips blank lines, throws on bad ones

// What a person sees as the same file: everything but the cache key (ino, ctime, nlink).
// A directory's size is the file system's business and not compared.
bool same_entry(const Entry& a, const Entry& b);
// The fields that differ, for a mismatch report: "mode 0644 != 0600, sha256".
std::string entry_differences(const Entry& a, const Entry& b);

// Wire records (rehome -> receiving helper, sending helper -> rehome -> receiving helper):
//   tag(1) u32 header-length header [payload]
// 'F' header = entry line; payload = segments (u64 offset, u64 length, bytes) then u64 ~0 (holes are
//     never sent, so sparse files stay sparse); 'D' 'L' 'P' 'H' header = entry line (H: link to
//     entry.leader); 'R' header = escaped old path TAB entry line (rename on the target, then set the
//     entry's metadata); 'X' header = escaped path (delete, recursively); 'M' header = entry line
//     (metadata only: owner, mode, xattrs, mtime of what is already there); 'E' end of stream.
constexpr uint64_t kEndOfSegments = ~uint64_t{0};
void append_u32(std::string& out, uint32_t v);
void append_u64(std::string& out, uint64_t v);
std::string record(char tag, const std::string& header);

}  // namespace rehome::migrate::volume
