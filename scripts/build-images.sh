#!/usr/bin/env bash
# Builds the test images' root filesystems from Debian packages (tests/images/<name>/), cached.
#
#   scripts/build-images.sh NAME...      prints one line per image: NAME TARBALL
#   scripts/build-images.sh --list       the recipes there are
#
# A rootfs is `mmdebstrap --variant=apt --include=<packages> bookworm <tar> <mirror>` plus the recipe's
# entrypoint and setup script. The tarball is cached as $REHOME_IMAGE_CACHE/<name>-<key>.tar (default
# /var/cache/rehome-images), key = sha256 of the suite, this script's format number and the recipe's files (but `changes`): outside
# any build folder, so a fresh clone on the same machine reuses it, and a changed recipe builds anew.
# The mirror is the Debian one apt is configured with here (/etc/apt/sources.list*), else deb.debian.org;
# $REHOME_DEBIAN_MIRROR overrides it. Needs root (mmdebstrap's root mode) and mmdebstrap
# (scripts/install-deps.sh brings it). The harness imports the tarball with the recipe's `changes`.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
recipes="${here}/tests/images"
cache="${REHOME_IMAGE_CACHE:-/var/cache/rehome-images}"
suite=bookworm
# Bump when what this script does to a rootfs changes (the cache key holds it, with the recipe).
format=1

die() { printf 'build-images: %s\n' "$*" >&2; exit 2; }

mirror() {
  if [[ -n "${REHOME_DEBIAN_MIRROR:-}" ]]; then
    echo "${REHOME_DEBIAN_MIRROR}"
    return
  fi
  local uri
  # deb822 (URIs: ...) first, then one-line sources (deb URI suite ...); the main archive, not security.
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}')"
  if [[ -z "${uri}" ]]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '$1 == "deb" && $0 ~ /debian/ && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}')"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

packages_of() {
  sed -e 's/#.*//' "$1/packages" | tr -s ' \t\n' '\n' | sed '/^$/d' | paste -sd, -
}

key_of() {
  local dir="$1"
  {
    echo "suite ${suite} format ${format}"
    # `changes` is applied by `docker import`, not part of the rootfs: editing it rebuilds nothing.
    (cd "${dir}" && find . -type f ! -name changes | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

build_one() {
  local name="$1" dir="${recipes}/$1"
  [[ -f "${dir}/packages" ]] || die "no recipe ${name}: tests/images/${name}/packages is missing (--list shows them)"
  local tarball
  tarball="${cache}/${name}-$(key_of "${dir}").tar"
  if [[ -s "${tarball}" ]]; then
    echo "${name} ${tarball}"
    return
  fi
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run scripts/install-deps.sh (apt-get install mmdebstrap)"
  mkdir -p "${cache}"
  local hooks=(--customize-hook='rm -f "$1"/etc/hostname "$1"/etc/resolv.conf')
  if [[ -f "${dir}/entrypoint" ]]; then
    hooks+=(--customize-hook="copy-in '${dir}/entrypoint' /usr/local/bin"
      --customize-hook='chmod 755 "$1"/usr/local/bin/entrypoint')
  fi
  if [[ -f "${dir}/setup" ]]; then
    hooks+=(--customize-hook="copy-in '${dir}/setup' /tmp"
      --customize-hook='chroot "$1" sh /tmp/setup && rm -f "$1"/tmp/setup')
  fi
  local started=${SECONDS} partial="${tarball}.partial.$$"
  trap 'rm -f "${partial}"' EXIT
  printf 'build-images: building %s from %s (%s), cached as %s\n' "${name}" "$(mirror)" "$(packages_of "${dir}")" \
    "${tarball}" >&2
  # No docs, man pages or translations: smaller tarballs, faster imports. A failed try (a mirror that
  # drops a download) gets two more, 20 s apart; apt's own words go to a log beside the tarball and its
  # error lines are shown when a try fails.
  local attempt log="${tarball}.log"
  for attempt in 1 2 3; do
    # In a subshell with only stdin, stdout and stderr: mmdebstrap hands apt a pipe by its number, and
    # with a test harness's descriptors inherited (its pipes, a lock) apt's hook could not write to it
    # ("E: Sub-process cat >&15 returned an error code (2)" on every try; reproduced by running this
    # script with fds 3-12 open).
    (
      for open_fd in /proc/self/fd/*; do
        n=${open_fd##*/}
        if ((n > 2)); then eval "exec ${n}>&-" 2>/dev/null || true; fi
      done
      exec mmdebstrap --mode=root --variant=apt --format=tar \
        --include="$(packages_of "${dir}")" \
        --aptopt='Apt::Install-Recommends "false"' --aptopt='Acquire::Retries "3"' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        "${hooks[@]}" \
        "${suite}" "${partial}" "$(mirror)"
    ) >"${log}" 2>&1 && break
    grep -E '^(E|W): |Err:|[Ff]ailed' "${log}" | tail -n 15 >&2 || tail -n 15 "${log}" >&2
    ((attempt < 3)) || die "mmdebstrap failed 3 times for ${name} (is $(mirror) reachable? apt-get update works?)"
    printf 'build-images: mmdebstrap failed for %s (try %d of 3); again in 20 s\n' "${name}" "${attempt}" >&2
    rm -f "${partial}"
    sleep 20
  done
  mv -f "${partial}" "${tarball}"
  rm -f "${log}"
  trap - EXIT
  printf 'build-images: %s built in %d s (%s)\n' "${name}" $((SECONDS - started)) "$(du -h "${tarball}" | cut -f1)" >&2
  echo "${name} ${tarball}"
}

if [[ "${1:-}" == "--list" ]]; then
  for d in "${recipes}"/*/; do [[ -f "${d}/packages" ]] && basename "${d}"; done
  exit 0
fi
(($# > 0)) || die "usage: scripts/build-images.sh NAME... (--list shows the recipes)"
# One build at a time per machine: two test processes asking for the same image wait for each other.
{ exec 9>"${cache%/}.lock"; } 2>/dev/null || exec 9>/tmp/rehome-images.lock
flock 9
for name in "$@"; do build_one "${name}"; done
