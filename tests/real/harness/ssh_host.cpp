#include "real/harness/ssh_host.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/process.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {

namespace fs = std::filesystem;

namespace {
void must(const std::vector<std::string>& argv) {
  auto r = run_process(argv);
  if (!r.ok()) throw std::runtime_error(argv[0] + " failed: " + r.err);
}
void put(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }
}  // namespace

SshHost::SshHost(const LinkedNamespace& ns, const fs::path& dir) : ns_(ns), dir_(dir) {
  fs::create_directories(dir_);
  fs::create_directories("/run/sshd");  // privilege separation
  for (const char* key : {"host_key", "client_key"})
    must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", (dir_ / key).string()});
  fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys");
  put(dir_ / "known_hosts", ns.address() + " " + slurp(dir_ / "host_key.pub"));
  put(dir_ / "sshd_config",
      fmt::format("ListenAddress {}\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\nAllowUsers root\n"
                  "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                  "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                  "AllowStreamLocalForwarding yes\nLogLevel ERROR\n",
                  ns.address(), (dir_ / "host_key").string(), (dir_ / "authorized_keys").string(),
                  (dir_ / "sshd.pid").string()));
  put(dir_ / "ssh_config",
      fmt::format("Host {}\n  User root\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n"
                  "  StrictHostKeyChecking yes\n  BatchMode yes\n",
                  ns.address(), client_key().string(), (dir_ / "known_hosts").string()));
  ::chmod(client_key().c_str(), 0600);
  SpawnOptions spawn_options;
  spawn_options.log_file = dir_ / "sshd.log";
  pid_ =
      spawn(ns_.inside({"/usr/sbin/sshd", "-D", "-e", "-f", (dir_ / "sshd_config").string()}), spawn_options);
  for (int i = 0; i < 100; ++i) {
    if (run_process({"bash", "-c", fmt::format("exec 3<>/dev/tcp/{}/22", ns_.address())}).ok()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop_child(pid_, SIGTERM, std::chrono::seconds(5));
  throw std::runtime_error("sshd did not start on " + ns_.address() + ": " + log_tail(dir_ / "sshd.log"));
}

SshHost::~SshHost() { stop_child(pid_, SIGTERM, std::chrono::seconds(5)); }

}  // namespace rehome::test
