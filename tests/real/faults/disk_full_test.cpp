// Fault campaign, full disk (docs/faults.md): the target's data folder is a small tmpfs the test mounts
// (and unmounts) itself. The command stops with a message naming the server and the space needed, exit
// non-zero, the source untouched; after space is freed (the tmpfs remounted larger, or a filler deleted)
// the same command finishes and verifies, checked apart from rehome. A volume pass that cannot fit is
// refused before it copies anything.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "real/faults/fault_fixture.hpp"
#include "real/harness/dockerd.hpp"
#include "real/harness/server_process.hpp"

namespace rehome::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A tmpfs of `size` at a fresh folder, owned by `owner`; unmounted (lazily) by the destructor.
struct SmallDisk {
  SmallDisk(const std::string& size, const RunAs& owner) : path(dir.path / "small") {
    fs::create_directories(path);
    fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0700").c_str()) != 0)
      throw std::runtime_error("mount tmpfs " + path.string() + ": " + std::strerror(errno));
    if (owner.switch_user && ::chown(path.c_str(), owner.uid, owner.gid) != 0)
      throw std::runtime_error("chown " + path.string());
  }
  ~SmallDisk() { ::umount2(path.c_str(), MNT_DETACH); }
  void resize(const std::string& size) {
    ASSERT_EQ(::mount("tmpfs", path.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()), 0)
        << std::strerror(errno);
  }
  TempDir dir;
  fs::path path;
};

json summary(const RehomeRun& run) { return json::parse(last_json(run.output), nullptr, false); }

void expect_verified(const RehomeRun& run) {
  EXPECT_EQ(run.exit_code, 0) << run.output;
  json r = summary(run);
  EXPECT_TRUE(r.is_object() && r.value("verified", false)) << run.output;
}

std::string files_of(const fs::path& d) {
  return run_bash(
      "cd '" + d.string() +
      "' && find . -printf '%y %m %p\\n' | sort && find . -type f -printf '%s %p\\n' | sort && find . "
      "-type f -print0 | sort -z | xargs -0 -r "
      "sha256sum");
}

TEST(DiskFull, PostgresTargetTablespaceOnASmallDisk) {
  PostgresServer source;
  source.create_database("app");
  fill_source(source, "app", 250000);  // ~32 MB of rows
  auto before = table_fingerprints(source, "app");
  PostgresServer target;
  SmallDisk disk("24m", server_user());
  target.psql("CREATE TABLESPACE small LOCATION '" + disk.path.string() + "'");
  target.psql("CREATE DATABASE app TABLESPACE small");
  TempDir dir;
  std::vector<std::string> args = {
      "migrate",         "postgres", "--from",
      source.url("app"), "--to",     target.url("app"),
      "--jobs",          "2",        "--state=" + (dir.path / "state.json").string(),
      "--json"};
  RehomeRun full = run_rehome(args);
  std::cout << fmt::format("full disk, postgres: exit {}\n{}\n", full.exit_code, full.output.substr(0, 3000));
  EXPECT_NE(full.exit_code, 0);
  EXPECT_EQ(full.output.find("\"verified\": true"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("127.0.0.1:" + std::to_string(target.port())), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("No space left on device"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("free at least"), std::string::npos) << "no space needed in:\n" << full.output;
  EXPECT_EQ(table_fingerprints(source, "app"), before);
  EXPECT_TRUE(target.running()) << "the target server went down with its disk";

  disk.resize("256m");
  expect_verified(run_rehome(args));
  EXPECT_EQ(table_fingerprints(source, "app"), before);
  EXPECT_EQ(table_fingerprints(target, "app"), before);
}

class VolumeDiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.docker_ok({"volume", "create", "data"});
    run_bash("set -e; cd '" + source_.volume_data("data").string() +
             "'; for i in $(seq 1 40); do head -c 1000000 /dev/urandom > f$i; done; mkdir d; echo a > d/a;"
             " truncate -s 128M sparse; echo end >> sparse");
    before_ = files_of(source_.volume_data("data"));
  }
  std::vector<std::string> args(const fs::path& to_path) const {
    return {"migrate",
            "volume",
            "data",
            "--from-engine",
            source_.host(),
            "--to-engine",
            target_.host(),
            "--to-path",
            to_path.string(),
            "--state",
            (state_.path / "volume.state.json").string(),
            "--json"};
  }
  DockerEngine source_{{.name = "dfsrc"}}, target_{{.name = "dfdst"}};
  TempDir state_;
  std::string before_;
};

TEST_F(VolumeDiskFull, RefusedBeforeCopyingWhenItCannotFit) {
  SmallDisk disk("20m", RunAs{});
  RehomeRun refused = run_rehome(args(disk.path / "app"));
  std::cout << fmt::format("full disk, volume preflight: exit {}\n{}\n", refused.exit_code, refused.output);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("not enough space"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(target_.socket().string()), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("more needed"), std::string::npos) << refused.output;
  EXPECT_EQ(run_bash("find '" + disk.path.string() + "' -type f | wc -l"), "0\n") << "something was copied";
  EXPECT_EQ(files_of(source_.volume_data("data")), before_);

  disk.resize("64m");  // a sparse 128 MB file takes a few KB: it fits
  expect_verified(run_rehome(args(disk.path / "app")));
  EXPECT_EQ(files_of(disk.path / "app"), before_);
}

TEST_F(VolumeDiskFull, FilledMidCopyStopsThenFinishesOnceFreed) {
  SmallDisk disk("64m", RunAs{});
  fs::remove(source_.volume_data("data") / "sparse");  // half of the rest is then ~19 MB in
  before_ = files_of(source_.volume_data("data"));
  std::vector<std::string> a = args(disk.path / "app");
  a.insert(a.end(), {"--transport", "stream"});
  HeldRun held(a, "volume-copy:half");
  ASSERT_TRUE(held.wait_held());
  // Another writer takes what is left of the disk after the check passed.
  run_bash("dd if=/dev/zero of='" + (disk.path / "filler").string() +
           "' bs=1M status=none 2>/dev/null; true");
  RehomeRun full = held.finish(std::chrono::seconds(300));
  std::cout << fmt::format("full disk, volume mid-copy: exit {}\n{}\n", full.exit_code, full.output);
  EXPECT_NE(full.exit_code, 0);
  EXPECT_EQ(full.output.find("\"verified\": true"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find(target_.socket().string()), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("No space left on device"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("free at least"), std::string::npos) << full.output;
  EXPECT_EQ(files_of(source_.volume_data("data")), before_);

  fs::remove(disk.path / "filler");
  expect_verified(run_rehome(a));
  EXPECT_EQ(files_of(disk.path / "app"), before_);
}

}  // namespace
}  // namespace rehome::test
