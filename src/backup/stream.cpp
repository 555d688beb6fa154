#include "backup/stream.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/secrets.hpp"

namespace fs = std::filesystem;

namespace rehome::backup {
namespace {

// A child with stdin and/or stdout on pipes and stderr (and, for restic, stdout) in a temp file.
struct Child {
  pid_t pid = -1;
  int in = -1;   // our end of its stdin
  int out = -1;  // our end of its stdout
  fs::path err_file, out_file;
  bool dead = false;  // its stdin broke or it was stopped
};

fs::path temp_file(const char* what) {
  std::string pattern = (fs::temp_directory_path() / fmt::format("rehome-{}-XXXXXX", what)).string();
  int fd = ::mkstemp(pattern.data());
  if (fd < 0)
    throw UserError(fmt::format("cannot create a temp file in {}", fs::temp_directory_path().string()));
  ::close(fd);
  return pattern;
}

Child spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, bool pipe_in,
            bool pipe_out, const char* what) {
  auto program = find_program(argv[0]);
  if (!program) throw UserError(fmt::format("cannot run {}: not found on PATH", argv[0]), "install it");
  Child c;
  c.err_file = temp_file(what);
  if (!pipe_out) c.out_file = temp_file(what);
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
  if ((pipe_in && ::pipe2(in_pipe, O_CLOEXEC) != 0) || (pipe_out && ::pipe2(out_pipe, O_CLOEXEC) != 0))
    throw UserError(fmt::format("cannot create pipes for {}: {}", argv[0], std::strerror(errno)));
  c.pid = ::fork();
  if (c.pid < 0) throw UserError(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
  if (c.pid == 0) {
    int err = ::open(c.err_file.c_str(), O_WRONLY | O_TRUNC);
    ::dup2(err, 2);
    if (pipe_in)
      ::dup2(in_pipe[0], 0);
    else
      ::dup2(::open("/dev/null", O_RDONLY), 0);
    if (pipe_out)
      ::dup2(out_pipe[1], 1);
    else
      ::dup2(::open(c.out_file.c_str(), O_WRONLY | O_TRUNC), 1);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(program->c_str(), args.data());
    ::_exit(127);
  }
  if (pipe_in) {
    ::close(in_pipe[0]);
    c.in = in_pipe[1];
  }
  if (pipe_out) {
    ::close(out_pipe[1]);
    c.out = out_pipe[0];
  }
  return c;
}

int wait_for(Child& c) {
  if (c.in >= 0) ::close(c.in);
  if (c.out >= 0) ::close(c.out);
  c.in = c.out = -1;
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp_and_remove(const fs::path& file) {
  if (file.empty()) return "";
  std::string text;
  try {
    text = read_file(file);
  } catch (const UserError&) {
  }
  std::error_code ec;
  fs::remove(file, ec);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t w = ::write(fd, data, size);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    size -= static_cast<size_t>(w);
  }
  return true;
}

std::string octal(std::int64_t value, size_t width) {  // width includes the NUL
  std::string digits = fmt::format("{:0{}o}", value, width - 1);
  return digits + '\0';
}

std::string padding(std::int64_t size) { return std::string((512 - size % 512) % 512, '\0'); }

}  // namespace

std::string tar_header(const std::string& member, std::int64_t size, std::int64_t mtime) {
  if (member.size() > 99) throw UserError(fmt::format("tar member name too long: {}", member));
  std::string h(512, '\0');
  auto put = [&](size_t at, const std::string& v) { h.replace(at, v.size(), v); };
  put(0, member);
  put(100, octal(0644, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(mtime, 12));
  put(148, std::string(8, ' '));
  h[156] = '0';
  put(257, std::string("ustar\0", 6));
  put(263, "00");
  unsigned sum = 0;
  for (unsigned char ch : h) sum += ch;
  put(148, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h;
}

void run_producer(const std::vector<std::string>& producer, const std::map<std::string, std::string>& env,
                  const ByteSink& sink) {
  Child source = spawn(producer, env, false, true, "dump");
  std::vector<char> buf(1 << 20);
  try {
    while (true) {
      ssize_t n = ::read(source.out, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sink(buf.data(), static_cast<size_t>(n));
    }
  } catch (...) {
    ::kill(source.pid, SIGTERM);
    wait_for(source);
    slurp_and_remove(source.err_file);
    throw;
  }
  int code = wait_for(source);
  std::string why = mask_secrets(slurp_and_remove(source.err_file));
  if (code != 0)
    throw UserError(
        fmt::format("{} failed (exit {}): {}", fs::path(producer[0]).filename().string(), code, why),
        why.find("No space left") != std::string::npos
            ? "a disk is full: free space"
            : "check the database, the user's privileges and the client's version");
}

StreamedDump stream_dump(const std::vector<std::string>& producer,
                         const std::map<std::string, std::string>& env, const std::string& name,
                         const std::vector<Restic>& repos, const std::vector<std::string>& tags,
                         const std::function<std::string(std::int64_t, const std::string&)>& manifest) {
  return stream_into([&](const ByteSink& sink) { run_producer(producer, env, sink); }, name, repos, tags,
                     manifest);
}

StreamedDump stream_into(const std::function<void(const ByteSink&)>& produce, const std::string& name,
                         const std::vector<Restic>& repos, const std::vector<std::string>& tags,
                         const std::function<std::string(std::int64_t, const std::string&)>& manifest) {
  ::signal(SIGPIPE, SIG_IGN);  // a restic that dies must not kill us: its write fails instead
  StreamedDump result;
  std::vector<std::string> args = {"backup", "--json", "--stdin", "--stdin-filename", name + ".tar"};
  for (const auto& t : tags) args.insert(args.end(), {"--tag", t});
  std::vector<Child> sinks;
  for (const auto& r : repos) {
    auto cmd = r.command(args);
    sinks.push_back(spawn(cmd.argv, cmd.env, true, false, "restic"));
  }
  std::time_t now = std::time(nullptr);
  auto feed = [&](const std::string& bytes) {
    for (auto& s : sinks)
      if (!s.dead && !write_all(s.in, bytes.data(), bytes.size())) s.dead = true;
  };
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::string part;
  part.reserve(static_cast<size_t>(stream_part_bytes));
  int part_no = 0;
  std::string member_base = name.size() > 90 ? std::string("dump") : name;
  auto flush_part = [&]() {
    if (part.empty()) return;
    // mtime 0: an unchanged source gives the same bytes again, so restic stores its chunks once.
    feed(tar_header(fmt::format("{}.{:06}", member_base, part_no++), static_cast<std::int64_t>(part.size()),
                    0));
    feed(part);
    feed(padding(static_cast<std::int64_t>(part.size())));
    part.clear();
  };
  try {
    produce([&](const char* data, size_t n) {
      EVP_DigestUpdate(ctx.get(), data, n);
      result.size += static_cast<std::int64_t>(n);
      while (n > 0) {  // parts of exactly stream_part_bytes, whatever the pieces' sizes
        size_t room = static_cast<size_t>(stream_part_bytes) - part.size();
        size_t take = std::min(room, n);
        part.append(data, take);
        data += take;
        n -= take;
        if (static_cast<std::int64_t>(part.size()) >= stream_part_bytes) flush_part();
      }
    });
  } catch (const UserError&) {
    for (auto& s : sinks) {  // no snapshot of a broken dump: restic leaves on SIGINT without saving
      ::kill(s.pid, SIGINT);
      wait_for(s);
      slurp_and_remove(s.err_file);
      slurp_and_remove(s.out_file);
    }
    throw;
  }
  flush_part();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  for (unsigned i = 0; i < len; ++i) result.sha256 += fmt::format("{:02x}", digest[i]);
  std::string text = manifest(result.size, result.sha256);
  feed(tar_header("manifest.json", static_cast<std::int64_t>(text.size()), now));
  feed(text);
  feed(padding(static_cast<std::int64_t>(text.size())));
  feed(std::string(1024, '\0'));
  for (size_t i = 0; i < sinks.size(); ++i) {
    int rc = wait_for(sinks[i]);
    std::string out = slurp_and_remove(sinks[i].out_file);
    std::string err = mask_secrets(slurp_and_remove(sinks[i].err_file));
    std::string where = repos[i].where();
    if (rc != 0 || sinks[i].dead) {
      result.failures[where] =
          fmt::format("restic backup --stdin on {} failed (exit {}): {}", where, rc, err);
      continue;
    }
    try {
      result.summaries[where] = parse_backup_summary(out);
    } catch (const UserError& e) {
      result.failures[where] = e.what();
    }
  }
  return result;
}

int unpack_streams(const fs::path& dir) {
  std::vector<fs::path> tars;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().extension() == ".tar") tars.push_back(it->path());
  }
  int unpacked = 0;
  for (const auto& t : tars) {
    auto list = run_process({"tar", "-tf", t.string()});
    if (!list.ok() || list.out.find("manifest.json\n") == std::string::npos) continue;
    fs::path into = t.parent_path() / (t.stem().string() + ".unpacked");
    fs::create_directories(into);
    auto res = run_process({"tar", "-xf", t.string(), "-C", into.string()});
    if (!res.ok())
      throw UserError(fmt::format("cannot unpack {}: {}", t.string(), res.err), "the snapshot is damaged");
    fs::remove(t, ec);
    // Join "<name>.000000", "<name>.000001", ... into <name> (the manifest's artefact name).
    std::map<std::string, std::vector<fs::path>> parts;
    for (const auto& e : fs::directory_iterator(into)) {
      auto file = e.path().filename().string();
      auto dot = file.rfind('.');
      if (dot == std::string::npos || file.size() - dot != 7 || file == "manifest.json") continue;
      parts[file.substr(0, dot)].push_back(e.path());
    }
    std::string stem = t.stem().string();
    for (auto& [base, files] : parts) {
      std::sort(files.begin(), files.end());
      fs::path joined = into / (base == "dump" ? stem : base);
      {
        std::ofstream out(joined, std::ios::binary);
        for (const auto& f : files) {
          std::ifstream in(f, std::ios::binary);
          out << in.rdbuf();
        }
      }
      for (const auto& f : files) fs::remove(f, ec);
    }
    ++unpacked;
  }
  return unpacked;
}

}  // namespace rehome::backup
