#pragma once
// An ssh server (Debian openssh-server) in a network namespace, as the remote end of ssh:// engines:
// its own host key, config and authorized key in a folder, listening only on the namespace address,
// root logging in with a key only. `client_config()` is an ssh_config for this host (the client key,
// a known_hosts that already holds the host key, BatchMode): what a user's ~/.ssh/config would say,
// passed as REHOME_SSH_COMMAND="ssh -F <file>". Run under `flock /tmp/rehome-netns.lock`.
#include <sys/types.h>

#include <filesystem>
#include <string>

#include "real/harness/netns_link.hpp"

namespace rehome::test {

class SshHost {
 public:
  SshHost(const LinkedNamespace& ns, const std::filesystem::path& dir);  // starts sshd, waits for it
  ~SshHost();                                                            // stops sshd by pid
  SshHost(const SshHost&) = delete;
  SshHost& operator=(const SshHost&) = delete;

  const std::string& address() const { return ns_.address(); }
  std::filesystem::path client_config() const { return dir_ / "ssh_config"; }
  std::filesystem::path client_key() const { return dir_ / "client_key"; }

 private:
  const LinkedNamespace& ns_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace rehome::test
