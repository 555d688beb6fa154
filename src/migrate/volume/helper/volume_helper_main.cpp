// rehome-volume-helper: the small static program rehome ships into throwaway containers (an image it
// imports itself, no registry) to read and write a volume in place on each engine. It never listens
// on anything: it talks over the container's stdin/stdout, which rehome attaches through the Engine
// API. Modes, ROOT being where the volume is mounted:
//   scan ROOT [nohash]  stdin: the previous manifest (a cache, may be empty); stdout: the manifest,
//                 sorted. A regular file whose size, mtime, ctime and inode match its cached line keeps
//                 its sha256; every other file is read and hashed here, in place (nohash: left empty,
//                 rehome asks for the few it needs with `hash`).
//   hash ROOT     stdin: manifest lines; stdout: those entries as they are now, each file hashed.
//   stat ROOT     stdin: escaped paths, one a line; stdout: their manifest lines as they are now, not
//                 hashed (a missing path left out): the proof of a pass that touched only these.
//   send ROOT [meta]  stdin: manifest lines of the entries to send (after a line "#meta": entries whose
//                 data the target already has); stdout: wire records (volume_entry.hpp) with the
//                 entries' current metadata and data (holes skipped with SEEK_DATA/SEEK_HOLE), each
//                 file hashed as it is read; stderr: "=\t" + the manifest line of each file sent, with
//                 that sha256 (the source's proof, one read). meta: the data came another way (the
//                 engine's archive): metadata records only, but sparse files are sent again with their
//                 holes.
//   serve ROOT    one container for a whole pass: commands on stdin, each a line ("scan nohash",
//                 "hash", "send meta", "receive", ...) followed by its input (u64 length and the bytes,
//                 or receive's records up to 'E'); its stdout comes back in frames (u32 length, bytes),
//                 a zero-length frame, then one frame "EXIT-CODE\n" + what it would have written to
//                 stderr. The helper stops after a command that failed (exit code 2 and above).
//   space ROOT    stdin: manifest lines; stdout: "FREE ALLOCATED\n": the bytes free under ROOT to a writer
//                 (statvfs f_bavail) and the bytes the listed regular files take on disk here (st_blocks,
//                 holes not counted): what a copy needs, known before it starts.
//   receive ROOT  stdin: wire records; applies them (files into a temporary name, metadata, rename),
//                 directory mtimes last, each file hashed as it is written (a metadata record's file:
//                 read and hashed there); stdout: "=\t" + the manifest line of each file written or
//                 hashed (the target's proof), then "ok FILES BYTES ERRORS".
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "migrate/volume/volume_entry.hpp"

using rehome::migrate::volume::Entry;
namespace v = rehome::migrate::volume;

namespace {

std::string g_root;
int g_errors = 0;
bool g_serve = false;  // serve mode: stdout framed, stderr collected per command
std::string g_status;  // serve mode: the command's stderr

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) _exit(3);
    p += k;
    n -= static_cast<size_t>(k);
  }
}

void err_write(const std::string& s) {
  if (g_serve)
    g_status += s;
  else
    (void)!::write(2, s.data(), s.size());
}

std::mutex g_warn_lock;  // the scan's walkers may warn at once
void warn(const std::string& what) {
  std::lock_guard<std::mutex> hold(g_warn_lock);
  ++g_errors;
  err_write("rehome-volume-helper: " + what + "\n");
}

void write_frame(const char* p, uint32_t n) {
  unsigned char h[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
                        static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  write_all(1, reinterpret_cast<const char*>(h), 4);
  write_all(1, p, n);
}

std::string full(const std::string& rel) { return rel == "." ? g_root : g_root + "/" + rel; }

// ---- buffered stdout / stdin ----
std::string g_out;
void flush_out() {
  if (g_out.empty()) return;
  if (g_serve)
    write_frame(g_out.data(), static_cast<uint32_t>(g_out.size()));
  else
    write_all(1, g_out.data(), g_out.size());
  g_out.clear();
}
void out(const char* p, size_t n) {
  if (g_out.size() + n > (1u << 20)) flush_out();
  if (n >= (1u << 20)) {
    g_out.assign(p, n);
    flush_out();
    return;
  }
  g_out.append(p, n);
}
void out(const std::string& s) { out(s.data(), s.size()); }

std::string read_counted_input();  // serve mode: u64 length and the bytes

std::string read_all_stdin() {
  if (g_serve) return read_counted_input();
  std::string s;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(0, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(buf, static_cast<size_t>(n));
  }
  return s;
}

struct In {
  char buf[1 << 20];
  size_t pos = 0, len = 0;
  bool fill() {
    if (pos < len) return true;
    while (true) {
      ssize_t n = ::read(0, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      pos = 0;
      len = static_cast<size_t>(n);
      return true;
    }
  }
  bool read(void* dst, size_t n) {
    char* d = static_cast<char*>(dst);
    while (n > 0) {
      if (!fill()) return false;
      size_t k = std::min(n, len - pos);
      std::memcpy(d, buf + pos, k);
      pos += k;
      d += k;
      n -= k;
    }
    return true;
  }
};
In g_in;

uint64_t get_u(int bytes) {
  unsigned char b[8];
  if (!g_in.read(b, static_cast<size_t>(bytes))) {
    warn("the stream ended in the middle of a record");
    _exit(4);
  }
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

std::string read_counted_input() {
  std::string s(get_u(8), '\0');
  if (!g_in.read(s.data(), s.size())) {
    warn("the stream ended in a command's input");
    _exit(4);
  }
  return s;
}

// ---- metadata ----
std::string hex(const std::string& raw) {
  static const char* d = "0123456789abcdef";
  std::string o;
  for (unsigned char c : raw) {
    o += d[c >> 4];
    o += d[c & 15];
  }
  return o;
}
std::string unhex(const std::string& h) {
  std::string o;
  for (size_t i = 0; i + 1 < h.size(); i += 2) o += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return o;
}

std::vector<std::string> xattr_names(const std::string& path) {
  std::vector<std::string> names;
  ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
  if (n <= 0) return names;
  std::string buf(static_cast<size_t>(n), '\0');
  n = ::llistxattr(path.c_str(), buf.data(), buf.size());
  if (n <= 0) return names;
  for (size_t i = 0; i < static_cast<size_t>(n);) {
    std::string name(buf.c_str() + i);
    i += name.size() + 1;
    if (!name.empty()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_xattrs(const std::string& path) {
  std::string outs;
  for (const auto& name : xattr_names(path)) {
    ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) continue;
    std::string val(static_cast<size_t>(n), '\0');
    n = ::lgetxattr(path.c_str(), name.c_str(), val.data(), val.size());
    if (n < 0) continue;
    val.resize(static_cast<size_t>(n));
    if (!outs.empty()) outs += ';';
    outs += hex(name) + "=" + hex(val);
  }
  return outs;
}

void apply_xattrs(const std::string& path, const std::string& xattrs, bool symlink) {
  std::map<std::string, std::string> want;
  size_t start = 0;
  while (start < xattrs.size()) {
    size_t semi = xattrs.find(';', start);
    std::string kv = xattrs.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    start = semi == std::string::npos ? xattrs.size() : semi + 1;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) want[unhex(kv.substr(0, eq))] = unhex(kv.substr(eq + 1));
  }
  for (const auto& name : xattr_names(path))
    if (!want.count(name)) ::lremovexattr(path.c_str(), name.c_str());
  for (const auto& [name, val] : want)
    if (::lsetxattr(path.c_str(), name.c_str(), val.data(), val.size(), 0) != 0 && !symlink)
      warn("cannot set xattr " + name + " on " + path + ": " + std::strerror(errno));
}

void set_times(const std::string& path, int64_t mtime_ns) {
  timespec ts[2];
  ts[0].tv_sec = ts[1].tv_sec = mtime_ns / 1000000000;
  ts[0].tv_nsec = ts[1].tv_nsec = mtime_ns % 1000000000;
  if (ts[0].tv_nsec < 0) {
    ts[0].tv_nsec += 1000000000;
    ts[1].tv_nsec = ts[0].tv_nsec;
    --ts[0].tv_sec;
    --ts[1].tv_sec;
  }
  if (::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
    warn("cannot set the mtime of " + path + ": " + std::strerror(errno));
}

// Owner, then mode (chown clears setuid/setgid), then xattrs (security.capability after chown), then
// mtime.
void apply_meta(const std::string& path, const Entry& e, bool times) {
  if (::lchown(path.c_str(), e.uid, e.gid) != 0) warn("cannot chown " + path + ": " + std::strerror(errno));
  if (e.type != 'l' && ::chmod(path.c_str(), e.mode) != 0)
    warn("cannot chmod " + path + ": " + std::strerror(errno));
  apply_xattrs(path, e.xattrs, e.type == 'l');
  if (times) set_times(path, e.mtime_ns);
}

void remove_all(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = ::opendir(path.c_str())) {
      std::vector<std::string> names;
      while (dirent* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n != "." && n != "..") names.push_back(n);
      }
      ::closedir(d);
      for (const auto& n : names) remove_all(path + "/" + n);
    }
    if (::rmdir(path.c_str()) != 0) warn("cannot remove " + path + ": " + std::strerror(errno));
  } else if (::unlink(path.c_str()) != 0) {
    warn("cannot remove " + path + ": " + std::strerror(errno));
  }
}

// Makes room for a non-directory at `path`: a directory there is removed with its contents.
void clear_for_file(const std::string& path, bool unlink_file) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode))
    remove_all(path);
  else if (unlink_file)
    ::unlink(path.c_str());
}

void make_parents(const std::string& rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) return;
  std::string parent = rel.substr(0, slash);
  struct stat st;
  if (::lstat(full(parent).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  make_parents(parent);
  clear_for_file(full(parent), true);
  ::mkdir(full(parent).c_str(), 0700);
}

// ---- sha256 ----
struct Sha256 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  uint64_t fed = 0;
  Sha256() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx); }
  void update(const char* p, size_t n) {
    EVP_DigestUpdate(ctx, p, n);
    fed += n;
  }
  void zeros_to(uint64_t offset) {  // a hole reads as zeros
    static const char zero[1 << 16] = {};
    while (fed < offset) update(zero, static_cast<size_t>(std::min<uint64_t>(offset - fed, sizeof(zero))));
  }
  std::string hex_digest() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    return hex(std::string(reinterpret_cast<char*>(md), len));
  }
};

// ---- scan ----
bool sha256_file(const std::string& path, std::string& hexout) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  static char buf[1 << 20];
  bool ok = true;
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    EVP_DigestUpdate(ctx, buf, static_cast<size_t>(n));
  }
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  ::close(fd);
  hexout = hex(std::string(reinterpret_cast<char*>(md), len));
  return ok;
}

Entry entry_from_stat(const std::string& rel, const struct stat& st) {
  Entry e;
  e.path = rel;
  if (S_ISREG(st.st_mode))
    e.type = 'f';
  else if (S_ISDIR(st.st_mode))
    e.type = 'd';
  else if (S_ISLNK(st.st_mode))
    e.type = 'l';
  else if (S_ISFIFO(st.st_mode))
    e.type = 'p';
  else if (S_ISCHR(st.st_mode))
    e.type = 'c';
  else if (S_ISBLK(st.st_mode))
    e.type = 'b';
  else
    e.type = 's';
  e.mode = st.st_mode & 07777;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.size = e.type == 'd' ? 0 : static_cast<uint64_t>(st.st_size);
  e.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  e.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  e.ino = st.st_ino;
  e.nlink = st.st_nlink;
  e.rdev = (e.type == 'c' || e.type == 'b') ? st.st_rdev : 0;
  std::string p = full(rel);
  if (e.type == 'l') {
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    ssize_t n = ::readlink(p.c_str(), target.data(), target.size());
    if (n >= 0) target.resize(static_cast<size_t>(n));
    e.link = target;
  }
  e.xattrs = read_xattrs(p);
  return e;
}

// One directory's entries (appended to `entries`) and its subdirectories (to `subdirs`).
void walk_one(const std::string& rel, std::vector<Entry>& entries, std::vector<std::string>& subdirs) {
  int fd = ::open(full(rel).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (!d) {
    warn("cannot read the directory " + full(rel) + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return;
  }
  std::vector<std::pair<ino_t, std::string>> names;
  while (dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") names.emplace_back(de->d_ino, n);
  }
  // In inode order: a cold walk then reads each inode table block once, in order.
  std::sort(names.begin(), names.end());
  for (const auto& [ino, n] : names) {
    std::string child = rel == "." ? n : rel + "/" + n;
    struct stat st;
    if (::fstatat(fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    entries.push_back(entry_from_stat(child, st));
    if (S_ISDIR(st.st_mode)) subdirs.push_back(child);
  }
  ::closedir(d);
}

// The whole tree below ROOT, unsorted. On a cold cache a walk waits on the disk for every directory
// and inode block: several walkers, each taking the next directory found, keep several reads in
// flight (a 40,000-file volume's cold scan: see bench/results/migrate.md).
void walk(std::vector<Entry>& entries) {
  constexpr int kWalkers = 8;
  std::mutex lock;
  std::condition_variable changed;
  std::vector<std::string> todo{"."};
  int busy = 0;
  std::vector<std::vector<Entry>> found(kWalkers);
  auto walker = [&](int me) {
    std::vector<std::string> subdirs;
    while (true) {
      std::string rel;
      {
        std::unique_lock<std::mutex> hold(lock);
        changed.wait(hold, [&] { return !todo.empty() || busy == 0; });
        if (todo.empty()) return;  // nothing left and nobody walking: done
        rel = std::move(todo.back());
        todo.pop_back();
        ++busy;
      }
      subdirs.clear();
      walk_one(rel, found[static_cast<size_t>(me)], subdirs);
      {
        std::lock_guard<std::mutex> hold(lock);
        for (auto& s : subdirs) todo.push_back(std::move(s));
        --busy;
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> walkers;
  for (int i = 1; i < kWalkers; ++i) walkers.emplace_back(walker, i);
  walker(0);
  for (auto& t : walkers) t.join();
  for (auto& part : found)
    for (auto& e : part) entries.push_back(std::move(e));
}

int scan(bool hash) {
  std::map<std::string, Entry> cache;
  try {
    for (auto& e : v::parse_manifest(read_all_stdin())) cache[e.path] = std::move(e);
  } catch (const std::exception&) {
    cache.clear();  // a damaged cache only costs reads
  }
  std::vector<Entry> entries;
  struct stat st;
  if (::lstat(g_root.c_str(), &st) != 0) {
    warn("cannot stat " + g_root + ": " + std::strerror(errno));
    return 2;
  }
  entries.push_back(entry_from_stat(".", st));
  walk(entries);
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  std::map<uint64_t, std::vector<size_t>> inodes;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].type == 'f' && entries[i].nlink > 1) inodes[entries[i].ino].push_back(i);
  for (const auto& [ino, idx] : inodes)
    if (idx.size() > 1)
      for (size_t i : idx) entries[i].leader = entries[idx.front()].path;
  std::map<std::string, std::string> leader_sha;
  for (auto& e : entries) {
    if (e.type == 'f') {
      auto it = cache.find(e.path);
      if (it != cache.end() && !it->second.sha256.empty() && it->second.size == e.size &&
          it->second.mtime_ns == e.mtime_ns && it->second.ctime_ns == e.ctime_ns && it->second.ino == e.ino) {
        e.sha256 = it->second.sha256;
      } else if (!e.leader.empty() && e.leader != e.path) {
        e.sha256 = leader_sha[e.leader];  // hashed once per inode: the leader sorts first
      } else if (!hash) {
        e.sha256.clear();  // rehome asks for it with `hash` when it needs it
      } else if (!sha256_file(full(e.path), e.sha256)) {
        warn("cannot read " + full(e.path) + ": " + std::strerror(errno));
        e.sha256 = "unreadable";
      }
    }
    if (e.type == 'f' && e.leader == e.path) leader_sha[e.path] = e.sha256;
    out(v::format_entry(e) + "\n");
  }
  flush_out();
  return g_errors ? 1 : 0;
}

// ---- hash ----
int hash() {
  for (const auto& wanted : v::parse_manifest(read_all_stdin())) {
    struct stat st;
    if (::lstat(full(wanted.path).c_str(), &st) != 0) continue;  // gone: the next scan says so
    Entry e = entry_from_stat(wanted.path, st);
    e.leader = wanted.leader;
    if (e.type == 'f' && !sha256_file(full(e.path), e.sha256)) {
      warn("cannot read " + full(e.path) + ": " + std::strerror(errno));
      e.sha256 = "unreadable";
    }
    out(v::format_entry(e) + "\n");
  }
  flush_out();
  return g_errors ? 1 : 0;
}

// ---- space ----
int free_space() {
  struct statvfs vfs;
  if (::statvfs(g_root.c_str(), &vfs) != 0) {
    warn("cannot statvfs " + g_root + ": " + std::strerror(errno));
    return 1;
  }
  uint64_t allocated = 0;
  for (const auto& e : v::parse_manifest(read_all_stdin())) {
    struct stat st;
    if (e.type == 'f' && ::lstat(full(e.path).c_str(), &st) == 0 && S_ISREG(st.st_mode))
      allocated += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  out(std::to_string(static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize) + " " + std::to_string(allocated) +
      "\n");
  flush_out();
  return 0;
}

// ---- stat ----
// The listed paths (escaped, one a line) as they are now, not hashed; a missing one is left out.
int stat_listed() {
  std::string input = read_all_stdin();
  size_t start = 0;
  while (start < input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string::npos) nl = input.size();
    std::string rel = v::unescape_field(input.substr(start, nl - start));
    start = nl + 1;
    struct stat st;
    if (rel.empty() || ::lstat(full(rel).c_str(), &st) != 0) continue;
    out(v::format_entry(entry_from_stat(rel, st)) + "\n");
  }
  flush_out();
  return g_errors ? 1 : 0;
}

// ---- send ----
std::string g_sent;  // "=\t" manifest lines of the files sent, for stderr at the end

void send_file(const Entry& e) {
  int fd = ::open(full(e.path).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    warn("cannot open " + full(e.path) + ": " + std::strerror(errno));
    return;
  }
  out(v::record('F', v::format_entry(e)));
  Sha256 sha;
  off_t size = static_cast<off_t>(e.size);
  off_t pos = 0;
  static char buf[1 << 20];
  while (pos < size) {
    off_t data = ::lseek(fd, pos, SEEK_DATA);
    if (data < 0) break;  // only a hole is left (ENXIO)
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0 || hole > size) hole = size;
    for (off_t at = data; at < hole;) {
      size_t want = static_cast<size_t>(std::min<off_t>(hole - at, sizeof(buf)));
      ssize_t n = ::pread(fd, buf, want, at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // shrank meanwhile: the proof will say so
        hole = at;
        size = at;
        break;
      }
      std::string seg;
      v::append_u64(seg, static_cast<uint64_t>(at));
      v::append_u64(seg, static_cast<uint64_t>(n));
      out(seg);
      out(buf, static_cast<size_t>(n));
      sha.zeros_to(static_cast<uint64_t>(at));
      sha.update(buf, static_cast<size_t>(n));
      at += n;
    }
    pos = hole;
  }
  std::string end;
  v::append_u64(end, v::kEndOfSegments);
  out(end);
  ::close(fd);
  sha.zeros_to(static_cast<uint64_t>(size));
  Entry sent = e;
  sent.sha256 = sha.hex_digest();
  if (static_cast<uint64_t>(size) == e.size) g_sent += "=\t" + v::format_entry(sent) + "\n";
}

bool sparse(const struct stat& st) {
  return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_blocks) * 512 < static_cast<uint64_t>(st.st_size);
}

int send(bool meta_mode) {
  std::string input = read_all_stdin();
  std::string meta_text;
  if (size_t cut = input.find("#meta\n"); cut != std::string::npos && (cut == 0 || input[cut - 1] == '\n')) {
    meta_text = input.substr(cut + 6);
    input.resize(cut);
  }
  std::vector<std::pair<Entry, bool>> list;  // entry, metadata only
  for (auto& e : v::parse_manifest(input)) list.emplace_back(std::move(e), meta_mode);
  for (auto& e : v::parse_manifest(meta_text)) list.emplace_back(std::move(e), true);
  std::map<std::string, bool> resent_leaders;  // meta mode: sparse leaders sent again with their holes
  for (const auto& [wanted, meta_only] : list) {
    struct stat st;
    if (::lstat(full(wanted.path).c_str(), &st) != 0) {
      warn("gone before it was sent: " + wanted.path);
      continue;
    }
    Entry e = entry_from_stat(wanted.path, st);
    e.leader = wanted.leader;
    bool follower = e.type == 'f' && !e.leader.empty() && e.leader != e.path;
    if (meta_only && e.type == 'f' && meta_mode && !follower && sparse(st)) {
      send_file(e);  // the archive wrote its holes as zeros
      if (!e.leader.empty()) resent_leaders[e.path] = true;
    } else if (meta_only && follower && (meta_mode || resent_leaders.count(e.leader))) {
      // meta mode: the archive was fetched in several parts and a hard link across two parts
      // arrived as a copy: linked again (the data is the leader's).
      out(v::record('H', v::format_entry(e)));
    } else if (meta_only && e.type != 'd') {
      out(v::record('M', v::format_entry(e)));
    } else if (e.type == 'd') {
      out(v::record('D', v::format_entry(e)));
    } else if (e.type == 'l') {
      out(v::record('L', v::format_entry(e)));
    } else if (follower) {
      out(v::record('H', v::format_entry(e)));
    } else if (e.type == 'f') {
      send_file(e);
    } else {
      out(v::record('P', v::format_entry(e)));
    }
  }
  flush_out();
  err_write(g_sent);
  return g_errors ? 1 : 0;
}

// ---- receive ----
int receive() {
  std::vector<std::pair<std::string, int64_t>> dirs;
  std::vector<std::pair<std::string, std::string>> written;  // path, sha256 of what was written
  uint64_t files = 0, bytes = 0, counter = 0;
  static char buf[1 << 20];
  while (true) {
    char tag;
    if (!g_in.read(&tag, 1)) {
      warn("the stream ended without its end record");
      return 4;
    }
    if (tag == 'E') break;
    std::string header(get_u(4), '\0');
    if (!g_in.read(header.data(), header.size())) {
      warn("the stream ended in a header");
      return 4;
    }
    if (tag == 'X') {
      remove_all(full(v::unescape_field(header)));
      continue;
    }
    std::string old_path;
    if (tag == 'R') {
      size_t tab = header.find('\t');
      old_path = v::unescape_field(header.substr(0, tab));
      header = header.substr(tab + 1);
    }
    auto parsed = v::parse_entry(header);
    if (!parsed) {
      warn("malformed record header");
      return 4;
    }
    const Entry& e = *parsed;
    std::string p = full(e.path);
    if (e.path != ".") make_parents(e.path);
    switch (tag) {
      case 'D': {
        struct stat st;
        if (::lstat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) ::unlink(p.c_str());
        ::mkdir(p.c_str(), 0700);
        apply_meta(p, e, false);
        dirs.emplace_back(p, e.mtime_ns);
        break;
      }
      case 'L':
        clear_for_file(p, true);
        if (::symlink(e.link.c_str(), p.c_str()) != 0)
          warn("cannot make the symlink " + p + ": " + std::strerror(errno));
        apply_meta(p, e, true);
        break;
      case 'P': {
        clear_for_file(p, true);
        mode_t type = e.type == 'p' ? S_IFIFO : e.type == 'c' ? S_IFCHR : e.type == 'b' ? S_IFBLK : S_IFSOCK;
        if (::mknod(p.c_str(), type | (e.mode & 0777), static_cast<dev_t>(e.rdev)) != 0)
          warn("cannot make " + p + ": " + std::strerror(errno));
        apply_meta(p, e, true);
        break;
      }
      case 'M': {
        struct stat st;
        if (::lstat(p.c_str(), &st) != 0) {
          warn("missing for its metadata: " + p);
          break;
        }
        apply_meta(p, e, e.type != 'd');
        if (e.type == 'd') dirs.emplace_back(p, e.mtime_ns);
        // Data that came another way (the engine's archive) is hashed here, while it is in the page
        // cache: the target's proof, read back from what is stored.
        if (e.type == 'f' && S_ISREG(st.st_mode) && (e.leader.empty() || e.leader == e.path)) {
          std::string digest;
          if (sha256_file(p, digest)) written.emplace_back(e.path, digest);
        }
        break;
      }
      case 'H':
        clear_for_file(p, true);
        if (::link(full(e.leader).c_str(), p.c_str()) != 0)
          warn("cannot hard-link " + p + " to " + e.leader + ": " + std::strerror(errno));
        break;
      case 'R':
        clear_for_file(p, false);
        if (::rename(full(old_path).c_str(), p.c_str()) != 0)
          warn("cannot rename " + old_path + " to " + e.path + ": " + std::strerror(errno));
        apply_meta(p, e, true);
        break;
      case 'F': {
        size_t slash = p.rfind('/');
        std::string tmp = p.substr(0, slash + 1) + ".rehome-part-" + std::to_string(::getpid()) + "-" +
                          std::to_string(++counter);
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) warn("cannot create " + tmp + ": " + std::strerror(errno));
        Sha256 sha;
        while (true) {
          uint64_t off = get_u(8);
          if (off == v::kEndOfSegments) break;
          uint64_t len = get_u(8);
          while (len > 0) {
            size_t k = static_cast<size_t>(std::min<uint64_t>(len, sizeof(buf)));
            if (!g_in.read(buf, k)) {
              warn("the stream ended inside " + e.path);
              return 4;
            }
            sha.zeros_to(off);
            sha.update(buf, k);
            if (fd >= 0) {
              size_t done = 0;
              while (done < k) {
                ssize_t n = ::pwrite(fd, buf + done, k - done, static_cast<off_t>(off + done));
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                  warn("cannot write " + e.path + ": " + std::strerror(errno));
                  return 5;  // a full disk: stop, a re-run resumes
                }
                done += static_cast<size_t>(n);
              }
            }
            off += k;
            len -= k;
            bytes += k;
          }
        }
        if (fd >= 0) {
          if (::ftruncate(fd, static_cast<off_t>(e.size)) != 0)
            warn("cannot size " + e.path + ": " + std::strerror(errno));
          ::close(fd);
          apply_meta(tmp, e, true);
          clear_for_file(p, false);
          if (::rename(tmp.c_str(), p.c_str()) != 0)
            warn("cannot rename into " + p + ": " + std::strerror(errno));
          ++files;
          sha.zeros_to(e.size);
          if (sha.fed == e.size) written.emplace_back(e.path, sha.hex_digest());
        }
        break;
      }
      default:
        warn(std::string("unknown record ") + tag);
        return 4;
    }
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) set_times(it->first, it->second);
  // Durable before the proof is read back: this file system only, not the whole machine's.
  if (int rootfd = ::open(g_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); rootfd >= 0) {
    ::syncfs(rootfd);
    ::close(rootfd);
  }
  // The target's proof for what was written: the hash of the bytes written, keyed by the file's stat
  // now (after its links and metadata), so a later scan that finds it unchanged need not read it.
  for (const auto& [rel, digest] : written) {
    struct stat st;
    if (::lstat(full(rel).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Entry e = entry_from_stat(rel, st);
    e.sha256 = digest;
    out("=\t" + v::format_entry(e) + "\n");
  }
  out("ok " + std::to_string(files) + " " + std::to_string(bytes) + " " + std::to_string(g_errors) + "\n");
  flush_out();
  return g_errors ? 1 : 0;
}

// ---- serve ----
int serve() {
  g_serve = true;
  while (true) {
    std::string line;
    char c;
    while (true) {
      if (!g_in.read(&c, 1)) return 0;  // rehome closed stdin: the pass is over
      if (c == '\n') break;
      line += c;
    }
    g_errors = 0;
    g_status.clear();
    g_sent.clear();
    size_t space = line.find(' ');
    std::string mode = line.substr(0, space),
                option = space == std::string::npos ? "" : line.substr(space + 1);
    int code = 2;
    if (mode == "scan")
      code = scan(option != "nohash");
    else if (mode == "hash")
      code = hash();
    else if (mode == "stat")
      code = stat_listed();
    else if (mode == "send")
      code = send(option == "meta");
    else if (mode == "receive")
      code = receive();
    else if (mode == "space")
      code = free_space();
    else
      warn("unknown command " + line);
    flush_out();
    write_frame("", 0);
    std::string status = std::to_string(code) + "\n" + g_status;
    write_frame(status.data(), static_cast<uint32_t>(status.size()));
    if (code >= 2) return code;  // the stream may be out of step: stop
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr,
                 "usage: rehome-volume-helper scan|hash|stat|send|space|receive ROOT [nohash|meta]\n");
    return 2;
  }
  std::string mode = argv[1];
  g_root = argv[2];
  std::string option = argc == 4 ? argv[3] : "";
  ::umask(0);
  if (mode == "scan") return scan(option != "nohash");
  if (mode == "hash") return hash();
  if (mode == "stat") return stat_listed();
  if (mode == "send") return send(option == "meta");
  if (mode == "receive") return receive();
  if (mode == "space") return free_space();
  if (mode == "serve") return serve();
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
