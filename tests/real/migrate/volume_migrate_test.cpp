// `rehome migrate volume` between two real dockerd engines (the harness's DockerEngine, each with its
// own data-root in a temp folder, so both volumes' folders are local and can be listed directly).
// The proof is checked independently of rehome: `find -printf` (type, mode, owner, size, mtime, link
// count, link target), sha256sum of every file, xattrs read by Python, allocated blocks of the sparse
// file, and inode sharing of hard links, on both volumes' folders on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/process.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/netns_link.hpp"
#include "real/harness/ssh_host.hpp"
#include "real/migrate/migrate_fixture.hpp"
#include "real/migrate/volume_fixture.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class VolumeMigrate : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.emplace(DockerEngineOptions{.name = "vsrc"});
    target_.emplace(DockerEngineOptions{.name = "vdst"});
    source_->docker_ok({"volume", "create", "data"});
  }
  std::vector<std::string> args(const std::string& volume = "data") const {
    return {"migrate",
            "volume",
            volume,
            "--from-engine",
            source_->host(),
            "--to-engine",
            target_->host(),
            "--to-volume",
            "copy",
            "--state",
            (state_.path / "volume.state.json").string(),
            "--json"};
  }
  json run_ok(const std::vector<std::string>& a) {
    RehomeRun r = run_rehome(a);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    size_t brace = r.output.find("\n{");
    EXPECT_NE(brace, std::string::npos) << r.output;
    return json::parse(r.output.substr(brace + 1), nullptr, false);
  }
  fs::path src_dir() const { return source_->volume_data("data"); }
  fs::path dst_dir() const { return target_->volume_data("copy"); }

  std::optional<DockerEngine> source_, target_;
  TempDir state_;
};

TEST_F(VolumeMigrate, CopiesEveryFileKindProvenOnBothSides) {
  fill_every_kind(src_dir());
  json r = run_ok(args());
  ASSERT_TRUE(r.is_object());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(r["mismatches"].size(), 0u);
  EXPECT_EQ(r["source"]["files"], r["target"]["files"]);
  EXPECT_GE(r["source"]["files"].get<int>(), 12);
  EXPECT_TRUE(r["writers_running"].empty());
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
  // Holes stay holes: 256 MB apparent, a few blocks allocated.
  EXPECT_LT(std::stoll(sh("stat -c %b '" + (dst_dir() / "sparse").string() + "'")), 1000);
  // Hard links share one inode on the target.
  EXPECT_EQ(sh("stat -c %i '" + (dst_dir() / "big.bin").string() + "'"),
            sh("stat -c %i '" + (dst_dir() / "sub/hard2").string() + "'"));
  // The state binds to a keeper container on the target, outside the volume's data.
  EXPECT_NE(target_->docker_ok({"ps", "-a", "--filter", "label=rehome.volume-run"}).find("rehome-keep-"),
            std::string::npos);
}

TEST_F(VolumeMigrate, IncrementalPassCopiesOnlyTheChangeDeletesAndRenames) {
  fill_every_kind(src_dir());
  ASSERT_TRUE(run_ok(args())["verified"].get<bool>());
  sh("set -e; cd '" + src_dir().string() + R"(';
    head -c 123456 /dev/urandom > added.bin; printf 'edited!' >> regular; rm 'name with spaces'
    rm -r deep/1/2/3/4/5; head -c 2000000 /dev/urandom > moved.src; )");
  // A pass to bring moved.src over, then the rename.
  ASSERT_TRUE(run_ok(args())["verified"].get<bool>());
  sh("cd '" + src_dir().string() + "' && mv moved.src sub/moved.dst && chmod 0600 empty");
  json r = run_ok(args());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(r["renamed"].get<int>(), 1);
  EXPECT_EQ(r["changed_bytes"].get<int64_t>(), 0) << r.dump(2);  // a rename and a chmod move no data
  EXPECT_EQ(r["verify_scope"], "touched") << r.dump(2);  // no writer: only what the pass touched re-read
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));

  sh("cd '" + src_dir().string() + "' && head -c 65536 /dev/urandom > new.bin && printf 'x' >> owned");
  r = run_ok(args());
  EXPECT_TRUE(r["verified"].get<bool>());
  EXPECT_EQ(r["changed_files"].get<int>(), 2);
  EXPECT_EQ(r["changed_bytes"].get<int64_t>(), 65536 + 3);
  EXPECT_EQ(r["deleted"].get<int>(), 0);
  EXPECT_EQ(r["verify_scope"], "touched");
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
  std::vector<std::string> rehash = args();
  rehash.push_back("--rehash");  // every file read again on both sides, both scanned again for the proof
  r = run_ok(rehash);
  EXPECT_TRUE(r["verified"].get<bool>());
  EXPECT_EQ(r["verify_scope"], "full");
}

TEST_F(VolumeMigrate, ResumesAfterKillAtThreePointsWithoutRecopying) {
  sh("set -e; cd '" + src_dir().string() +
     "'; for i in $(seq 1 40); do head -c 1000000 /dev/urandom > f$i; done; mkdir d; echo a > d/a");
  for (const char* point : {"volume:scanned-source", "volume-copy:half", "volume:copied"}) {
    std::string out = run_rehome_and_kill_at(args(), point);
    EXPECT_NE(out.find(std::string("test pause at ") + point), std::string::npos) << out;
  }
  json r = run_ok(args());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_TRUE(r["resumed"].get<bool>());
  EXPECT_EQ(r["changed_bytes"].get<int64_t>(), 0) << "the pass killed after copying had finished every file";
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
}

// Both transports on every file kind: the helpers' streams (each side hashing as it reads or writes)
// for the first copy, then the engines' archive endpoints and their fix-ups (exact mtimes, xattrs,
// holes, deletes) for an incremental pass.
TEST_F(VolumeMigrate, StreamAndArchiveTransportsKeepEveryProperty) {
  fill_every_kind(src_dir());
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--transport", "stream"});
  json r = run_ok(a);
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
  EXPECT_LT(std::stoll(sh("stat -c %b '" + (dst_dir() / "sparse").string() + "'")), 1000);

  sh("set -e; cd '" + src_dir().string() + R"(';
    head -c 123456 /dev/urandom > added.bin; printf 'edited!' >> regular; rm 'name with spaces'
    rm -r deep/1/2/3/4/5; chmod 0600 big.bin; truncate -s 64M sparse2; echo tail >> sparse2
    python3 -c 'import os; os.setxattr("added.bin", "user.note", b"x")')");
  a = args();
  a.insert(a.end(), {"--transport", "archive"});
  r = run_ok(a);
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(r["deleted"].get<int>(), 2) << r.dump(2);
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
  EXPECT_LT(std::stoll(sh("stat -c %b '" + (dst_dir() / "sparse").string() + "'")), 1000);
  EXPECT_LT(std::stoll(sh("stat -c %b '" + (dst_dir() / "sparse2").string() + "'")), 1000);
  EXPECT_EQ(sh("stat -c %i '" + (dst_dir() / "big.bin").string() + "'"),
            sh("stat -c %i '" + (dst_dir() / "sub/hard2").string() + "'"));
}

// A pass through the engines' archive killed halfway: the files the engine had written are kept (their
// truncated mtimes mark them as probably the same, both sides hash them, only metadata goes).
TEST_F(VolumeMigrate, ResumesAnArchivePassKilledHalfway) {
  sh("set -e; cd '" + src_dir().string() +
     "'; for i in $(seq 10 49); do head -c 1000000 /dev/urandom > f$i; done");
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--transport", "archive"});
  std::string out = run_rehome_and_kill_at(a, "volume-copy:half");
  EXPECT_NE(out.find("test pause at volume-copy:half"), std::string::npos) << out;
  json r = run_ok(args());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_TRUE(r["resumed"].get<bool>());
  EXPECT_LT(r["changed_bytes"].get<int64_t>(), 35000000)
      << "files the archive had finished are not sent again";
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
}

TEST_F(VolumeMigrate, StaleStateWithoutTraceOnTheTargetStartsOver) {
  sh("cd '" + src_dir().string() + "' && echo one > one");
  ASSERT_TRUE(run_ok(args())["verified"].get<bool>());
  std::string keeper = target_->docker_ok({"ps", "-aq", "--filter", "label=rehome.volume-run"});
  keeper.erase(keeper.find_last_not_of('\n') + 1);
  target_->docker_ok({"rm", "-f", keeper});
  target_->docker_ok({"volume", "rm", "copy"});
  json r = run_ok(args());
  EXPECT_TRUE(r["verified"].get<bool>());
  EXPECT_NE(r["stale_state"].get<std::string>().find("no trace"), std::string::npos) << r.dump(2);
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
}

TEST_F(VolumeMigrate, BindFolderToVolume) {
  TempDir folder;
  fill_every_kind(folder.path);
  json r = run_ok({"migrate", "volume", "--from-path", folder.path.string(), "--from-engine", source_->host(),
                   "--to-engine", target_->host(), "--to-volume", "fromdir", "--state",
                   (state_.path / "dir.state.json").string(), "--json"});
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(listing(folder.path), listing(target_->volume_data("fromdir")));
}

// Both engines as ssh:// engines behind an sshd in a network namespace (the sockets forwarded by the
// user's own ssh, keys from its config, nothing installed on the "server"): the same proof as over
// unix sockets, then the incremental pass; a key the server does not know is named as ssh says it.
// Run under `flock /tmp/rehome-netns.lock` (fixed addresses).
TEST_F(VolumeMigrate, SshEnginesThroughTheUsersSshClient) {
  if (!fs::exists("/usr/sbin/sshd"))
    GTEST_SKIP() << "openssh-server is not installed (scripts/install-deps.sh)";
  TempDir tmp;
  LinkedNamespace ns("rehome-vssh");
  SshHost host(ns, tmp.path / "sshd");
  fill_every_kind(src_dir());
  const std::string from = "ssh://root@" + host.address() + source_->socket().string();
  const std::string to = "ssh://root@" + host.address() + target_->socket().string();
  std::vector<std::string> a = {"migrate",
                                "volume",
                                "data",
                                "--from-engine",
                                from,
                                "--to-engine",
                                to,
                                "--to-volume",
                                "copy",
                                "--state",
                                (state_.path / "ssh.state.json").string(),
                                "--json"};
  const std::map<std::string, std::string> env = {
      {"REHOME_SSH_COMMAND", "ssh -F " + host.client_config().string()}};
  auto run = [&](const std::vector<std::string>& argv) {
    RehomeRun r = run_rehome(argv, env);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    size_t brace = r.output.find("\n{");
    return brace == std::string::npos ? json() : json::parse(r.output.substr(brace + 1), nullptr, false);
  };
  json r = run(a);
  ASSERT_TRUE(r.is_object());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));

  sh("cd '" + src_dir().string() + "' && echo changed > regular && rm -f 'name with spaces'");
  r = run(a);
  ASSERT_TRUE(r.is_object());
  EXPECT_TRUE(r["verified"].get<bool>()) << r.dump(2);
  EXPECT_EQ(r["changed_files"].get<int>(), 1);
  EXPECT_EQ(listing(src_dir()), listing(dst_dir()));
  // The forwardings went with the run: no ssh left, no socket folder left.
  // ("[s]sh": the pattern does not match the shell that runs pgrep.)
  EXPECT_EQ(sh("pgrep -f -- '[s]sh -F " + host.client_config().string() + "' || true"), "");
  EXPECT_EQ(sh("ls -d /tmp/rehome-ssh-* 2>/dev/null || true"), "");

  // A key the server does not know: ssh's own words, exit 2, no prompt.
  sh("ssh-keygen -q -t ed25519 -N '' -f '" + (tmp.path / "other_key").string() + "'");
  sh("sed -i 's|IdentityFile .*|IdentityFile " + (tmp.path / "other_key").string() + "|' '" +
     host.client_config().string() + "'");
  RehomeRun bad = run_rehome(a, env);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("Permission denied"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace rehome::test
