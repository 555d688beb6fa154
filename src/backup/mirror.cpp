#include "backup/mirror.hpp"

#include <algorithm>
#include <ctime>
#include <sstream>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

bool is_repository(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "HEAD", ec) && fs::is_directory(dir / "objects", ec)
             ? true
             : fs::is_directory(dir / ".git", ec);
}

void git(const std::vector<std::string>& args, const std::string& what) {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts;
  opts.env.emplace("GIT_TERMINAL_PROMPT", "0");  // never wait for a password on a terminal
  auto res = run_process(argv, opts);
  if (!res.ok()) {
    std::string why = mask_secrets(res.err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw UserError(fmt::format("{} failed: {}", what, why), "check the repository URL and credentials");
  }
}

std::optional<std::int64_t> previous_sync(const fs::path& stamp) {
  std::error_code ec;
  if (!fs::exists(stamp, ec)) return std::nullopt;
  try {
    return std::stoll(read_file(stamp));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::string repository_name(const std::string& repository) {
  std::string r = repository;
  while (!r.empty() && r.back() == '/') r.pop_back();
  auto slash = r.find_last_of("/:");
  std::string name = slash == std::string::npos ? r : r.substr(slash + 1);
  if (name.ends_with(".git")) name.resize(name.size() - 4);
  return name;
}

std::string resolve_repository(const std::string& repository, const std::string& forge) {
  bool bare_name = repository.find('/') == std::string::npos && repository.find(':') == std::string::npos;
  if (!bare_name) return repository;
  if (forge.empty())
    throw UserError(fmt::format("repository \"{}\" is a name, not a URL", repository),
                    "give --forge, the base URL of the forge (e.g. https://gitlab.example.com/group)");
  std::string base = forge;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/{}.git", base, repository);
}

void check_remote(const std::string& remote) {
  bool url = remote.find("://") != std::string::npos;
  bool scp = remote.find('@') != std::string::npos && remote.find(':') != std::string::npos;
  if (url || scp || remote.starts_with("/")) return;
  throw UserError(fmt::format("mirror remote \"{}\" is neither a URL nor an absolute folder", remote),
                  "write it like https://github.com/wizardsofts, git@github.com:wizardsofts or /srv/mirrors");
}

std::vector<std::string> repositories_from(const fs::path& list_or_dir) {
  std::error_code ec;
  std::vector<std::string> out;
  if (fs::is_directory(list_or_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(list_or_dir, ec))
      if (entry.is_directory() && is_repository(entry.path())) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    if (out.empty())
      throw UserError(fmt::format("{} holds no Git repositories", list_or_dir.string()),
                      "give a folder of bare repositories or a file listing one repository per line");
    return out;
  }
  std::istringstream in(read_file(list_or_dir));
  std::string line;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    auto end = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(start, end - start + 1));
  }
  if (out.empty())
    throw UserError(fmt::format("{} lists no repositories", list_or_dir.string()),
                    "write one URL or path per line");
  return out;
}

std::vector<MirrorSync> mirror_repositories(const MirrorOptions& o) {
  if (o.repositories.empty()) throw UserError("no repositories to mirror", "give --repos");
  if (o.remote.empty())
    throw UserError("no mirror remote", "give --remote, the base URL or folder of the mirrors");
  check_remote(o.remote);
  require_program("git", "git");
  std::error_code ec;
  fs::create_directories(o.cache, ec);
  if (ec)
    throw UserError(fmt::format("cannot create mirror cache {}: {}", o.cache.string(), ec.message()),
                    "give a writable --cache folder");
  bool local_remote = o.remote.starts_with("/");
  std::vector<MirrorSync> out;
  int i = 0;
  for (const auto& repo : o.repositories) {
    ++i;
    std::string name = repository_name(repo);
    fs::path clone = o.cache / (name + ".git");
    fs::path stamp = o.cache / (name + ".last-sync");
    std::string target = o.remote + "/" + name + ".git";
    MirrorSync sync{name, previous_sync(stamp), false};
    try {
      if (!fs::exists(clone / "HEAD", ec)) {
        fs::remove_all(clone, ec);
        git({"clone", "--quiet", "--mirror", repo, clone.string()},
            fmt::format("git clone --mirror {}", mask_url(repo)));
      } else {
        git({"-C", clone.string(), "remote", "update", "--prune"},
            fmt::format("git remote update of {}", name));
      }
      if (local_remote && !fs::exists(fs::path(target) / "HEAD", ec))
        git({"init", "--quiet", "--bare", target}, fmt::format("creating the bare mirror {}", target));
      git({"-C", clone.string(), "push", "--quiet", "--mirror", target},
          fmt::format("git push --mirror {} to {}", name, mask_url(target)));
      sync.ok = true;
      sync.last_sync_time = static_cast<std::int64_t>(std::time(nullptr));
      write_file_atomically(stamp, std::to_string(*sync.last_sync_time));
      o.progress(fmt::format("[{}/{}] {} mirrored to {}", i, o.repositories.size(), name, mask_url(target)));
    } catch (const UserError& e) {
      o.progress(
          fmt::format("[{}/{}] {} FAILED: {}", i, o.repositories.size(), name, mask_secrets(e.what())));
    }
    out.push_back(sync);
  }
  if (o.textfile) write_file_atomically(*o.textfile, render_mirror_metrics(out, mask_url(o.remote)));
  return out;
}

}  // namespace rehome::backup
