#pragma once
// Volumes for the volume tests and the fault campaign: a tree with every file kind, and an independent
// proof that a volume was copied whole. The volumes' folders of the harness's engines are local, so
// they are listed directly (find, sha256sum, Python), nothing of rehome's own manifests.
#include <filesystem>
#include <string>

namespace rehome::test {

// Runs `script` with bash -c; a failure is a test failure (EXPECT) naming the script. Returns stdout.
std::string sh(const std::string& script);

// Every file kind into folder `d`: regular, empty, large sparse, hard links, symlinks (one dangling), a
// fifo, names with spaces, a newline and UTF-8, deep folders, owners other than root,
// setuid/setgid/sticky, an xattr, set mtimes (nanoseconds).
void fill_every_kind(const std::filesystem::path& d);

// A listing of a folder: metadata of every entry (type, mode, owner, size, mtime, link count, link
// target), sha256 of every file, xattrs. Two folders with equal listings hold the same tree.
std::string listing(const std::filesystem::path& d);

}  // namespace rehome::test
