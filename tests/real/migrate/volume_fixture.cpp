#include "real/migrate/volume_fixture.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "common/process.hpp"

namespace rehome::test {

std::string sh(const std::string& script) {
  auto r = run_process({"bash", "-c", script});
  EXPECT_TRUE(r.ok()) << script << "\n" << r.err;
  return r.out;
}

void fill_every_kind(const std::filesystem::path& d) {
  sh("set -e; cd '" + d.string() + R"SH(';
    printf 'hello\n' > regular; : > empty
    truncate -s 256M sparse; printf 'middle' | dd of=sparse bs=1 seek=100000000 conv=notrunc status=none
    head -c 3000000 /dev/urandom > big.bin; mkdir -p sub; ln big.bin hard1; ln big.bin sub/hard2
    ln -s regular link; ln -s /nonexistent/target dangling; mkfifo fifo
    echo s > 'name with spaces'; echo n > "$(printf 'new\nline')"; echo u > 'ünïcødé ✓ 名前'
    mkdir -p deep/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20
    echo deep > deep/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/leaf
    echo x > setuid; chmod 4755 setuid; mkdir sticky; chmod 1777 sticky; mkdir setgid; chmod 2750 setgid
    echo o > owned; chown 1234:5678 owned; chown -h 4321:8765 link; chown 999:999 sub
    python3 -c 'import os; os.setxattr("regular", "user.comment", b"kept\x00binary")'
    touch -d '2001-02-03 04:05:06.123456789' regular; touch -h -d '2002-03-04 05:06:07.5' link
    touch -d '1999-12-31 23:59:59' deep/1/2
  )SH");
}

std::string listing(const std::filesystem::path& d) {
  std::string q = fmt::format("'{}'", d.string());
  return sh("cd " + q +
            " && find . ! -type d -printf '%y %m %U %G %s %T@ %n %l %p\\0' | sort -z | tr '\\0' '\\n'"
            " && find . -type d -printf '%y %m %U %G %T@ %p\\0' | sort -z | tr '\\0' '\\n'"
            " && find . -type f -print0 | sort -z | xargs -0 sha256sum"
            " && python3 -c 'import os\nfor r,ds,fs in sorted(os.walk(\".\")):\n for n in sorted(ds+fs):\n  "
            "p=os.path.join(r,n)\n  print(repr(p), sorted((a, os.getxattr(p,a,follow_symlinks=False)) for a "
            "in os.listxattr(p,follow_symlinks=False)))'");
}

}  // namespace rehome::test
