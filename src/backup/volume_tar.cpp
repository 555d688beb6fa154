#include "backup/volume_tar.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "backup/store.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/sha256.hpp"
#include "model/units.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {

struct TarScanner::Hash {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

namespace {

constexpr std::int64_t kBlock = 512;

std::string field(const char* block, size_t at, size_t len) {
  std::string s(block + at, len);
  auto nul = s.find('\0');
  return nul == std::string::npos ? s : s.substr(0, nul);
}

std::int64_t number(const char* block, size_t at, size_t len) {
  auto b = reinterpret_cast<const unsigned char*>(block + at);
  if (b[0] & 0x80) {  // base-256 (GNU, for sizes of 8 GiB and more)
    std::int64_t v = b[0] & 0x7f;
    for (size_t i = 1; i < len; ++i) v = (v << 8) | b[i];
    return v;
  }
  std::int64_t v = 0;
  for (size_t i = 0; i < len; ++i) {
    char c = block[at + i];
    if (c == '\0' || c == ' ') {
      if (v) break;
      continue;
    }
    if (c < '0' || c > '7')
      throw UserError("volume tar: a malformed number in a header", "the archive is damaged");
    v = v * 8 + (c - '0');
  }
  return v;
}

std::string normal(std::string path) {
  while (path.starts_with("./")) path.erase(0, 2);
  while (path.starts_with("/")) path.erase(0, 1);
  while (path.ends_with("/")) path.pop_back();
  return path == "." ? "" : path;
}

std::int64_t pad(std::int64_t size) { return (kBlock - size % kBlock) % kBlock; }

}  // namespace

TarScanner::TarScanner() : hash_(std::make_unique<Hash>()) {}
TarScanner::~TarScanner() = default;

void TarScanner::entry_done() {
  if (type_ == '0' || type_ == '\0' || type_ == '7') {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(hash_->ctx.get(), digest, &len);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
    if (!path_.empty()) files_[path_] = hex;
  } else if (type_ == 'x' || type_ == 'L' || type_ == 'K') {
    if (type_ == 'L') next_path_ = meta_.substr(0, meta_.find('\0'));
    if (type_ == 'K') next_link_ = meta_.substr(0, meta_.find('\0'));
    if (type_ == 'x') {  // "LEN key=value\n" records
      size_t at = 0;
      while (at < meta_.size()) {
        size_t space = meta_.find(' ', at);
        if (space == std::string::npos) break;
        size_t len = std::stoul(meta_.substr(at, space - at));
        if (len == 0 || at + len > meta_.size()) break;
        std::string record = meta_.substr(space + 1, at + len - space - 2);
        auto eq = record.find('=');
        if (eq != std::string::npos) {
          if (record.substr(0, eq) == "path") next_path_ = record.substr(eq + 1);
          if (record.substr(0, eq) == "linkpath") next_link_ = record.substr(eq + 1);
        }
        at += len;
      }
    }
  }
  meta_.clear();
  type_ = 0;
}

void TarScanner::header(const char* b) {
  bool zero = std::all_of(b, b + kBlock, [](char c) { return c == '\0'; });
  if (zero) {
    if (++zero_blocks_ >= 2) ended_ = true;
    return;
  }
  zero_blocks_ = 0;
  unsigned sum = 0;
  for (std::int64_t i = 0; i < kBlock; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(b[i]);
  if (static_cast<std::int64_t>(sum) != number(b, 148, 8))
    throw UserError("volume tar: a header's checksum does not match", "the archive is damaged");
  type_ = b[156];
  std::string name = field(b, 0, 100);
  std::string prefix = std::memcmp(b + 257, "ustar", 5) == 0 ? field(b, 345, 155) : "";
  std::string full = prefix.empty() ? name : prefix + "/" + name;
  std::int64_t size = number(b, 124, 12);
  if (type_ == 'x' || type_ == 'g' || type_ == 'L' || type_ == 'K') {
    path_.clear();
  } else {
    path_ = normal(next_path_.empty() ? full : next_path_);
    link_ = next_link_.empty() ? field(b, 157, 100) : next_link_;
    next_path_.clear();
    next_link_.clear();
    if (type_ == '2') {
      if (!path_.empty()) files_[path_] = "symlink:" + link_;
    } else if (type_ == '1') {
      auto target = files_.find(normal(link_));
      if (!path_.empty())
        files_[path_] = target == files_.end() ? "hardlink:" + normal(link_) : target->second;
    } else if (type_ == '3' || type_ == '4' || type_ == '6') {
      if (!path_.empty()) files_[path_] = "special";
    } else if (type_ == '0' || type_ == '\0' || type_ == '7') {
      EVP_DigestInit_ex(hash_->ctx.get(), EVP_sha256(), nullptr);
      file_bytes_ += size;
    }
    if (type_ != '0' && type_ != '\0' && type_ != '7') size = type_ == '5' ? 0 : size;
  }
  remaining_ = size;
  padding_ = pad(size);
  if (remaining_ == 0) entry_done();
}

void TarScanner::feed(const char* data, size_t n) {
  while (n > 0 && !ended_) {
    if (remaining_ > 0) {
      size_t take = static_cast<size_t>(std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(n)));
      if (type_ == 'x' || type_ == 'L' || type_ == 'K')
        meta_.append(data, take);
      else if (type_ == '0' || type_ == '\0' || type_ == '7')
        EVP_DigestUpdate(hash_->ctx.get(), data, take);
      data += take;
      n -= take;
      remaining_ -= static_cast<std::int64_t>(take);
      if (remaining_ == 0) entry_done();
      continue;
    }
    if (padding_ > 0) {
      size_t take = static_cast<size_t>(std::min<std::int64_t>(padding_, static_cast<std::int64_t>(n)));
      data += take;
      n -= take;
      padding_ -= static_cast<std::int64_t>(take);
      continue;
    }
    size_t take = std::min(static_cast<size_t>(kBlock) - block_.size(), n);
    block_.append(data, take);
    data += take;
    n -= take;
    if (static_cast<std::int64_t>(block_.size()) == kBlock) {
      std::string b = std::move(block_);
      block_.clear();
      header(b.data());
    }
  }
}

std::map<std::string, std::string> scan_folder(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    auto rel = it->path().lexically_relative(dir).string();
    auto st = it->symlink_status();
    if (fs::is_symlink(st))
      out[rel] = "symlink:" + fs::read_symlink(it->path()).string();
    else if (fs::is_regular_file(st))
      out[rel] = sha256_file(it->path());
    else if (!fs::is_directory(st))
      out[rel] = "special";
  }
  return out;
}

void check_volume(const StoredBackup& b, const Artefact& a, VerifyResult& r, const Progress& progress) {
  fs::path tar = b.dir / a.name;
  fs::path into = b.dir / (a.name + ".files");
  std::error_code ec;
  fs::remove_all(into, ec);
  fs::create_directories(into, ec);
  auto res = run_process({"tar", "-xf", tar.string(), "-C", into.string()});
  if (!res.ok()) {
    r.problems.push_back(fmt::format("{}: tar cannot unpack it: {}", tar.string(), res.err));
    fs::remove_all(into, ec);
    return;
  }
  auto found = scan_folder(into);
  fs::remove_all(into, ec);
  size_t before = r.problems.size();
  for (const auto& [path, want] : a.files) {
    auto it = found.find(path);
    if (it == found.end())
      r.problems.push_back(fmt::format("{}: {} is missing after restore", a.name, path));
    else if (it->second != want)
      r.problems.push_back(fmt::format("{}: {} restored as {}, the manifest says {}", a.name, path,
                                       it->second.substr(0, 24), want.substr(0, 24)));
  }
  for (const auto& [path, got] : found)
    if (!a.files.count(path))
      r.problems.push_back(fmt::format("{}: {} is not in the manifest", a.name, path));
  if (r.problems.size() == before)
    progress(fmt::format("  ✓ {} restored into a throwaway folder: {} entries match the manifest's sha256",
                         a.name, a.files.size()));
}

}  // namespace rehome::backup
