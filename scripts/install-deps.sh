#!/usr/bin/env bash
# Installs the Debian packages rehome needs to build, test and run, when they are missing.
# Used by `make run`, `make test` and CI; safe to run again (does nothing when all are present).
set -euo pipefail

build=(cmake g++ make pkg-config libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
       libgtest-dev libgmock-dev libbenchmark-dev libpq-dev libhiredis-dev
       liburiparser-dev   # engines/url: every engine's connection URL (RFC 3986)
       libssl-dev   # SHA-256 of backup artefacts (OpenSSL libcrypto)
       libxxhash-dev   # xxHash64 of the rows migrate streams and reads back
       libmariadb-dev   # migrate mariadb: the MariaDB client library (MySQL servers too)
       ccache   # rebuilds and other work trees reuse compiled objects
       postgresql-server-dev-15)  # libpgcommon_shlib.a: PostgreSQL's own hash for migrate's row hashes
# Real engines the tests start on loopback or in network namespaces they make themselves.
real=(postgresql-15 postgresql-client-15 redis-server redis-tools docker.io iproute2 iptables git
      restic openssh-server coinor-cbc pgcopydb chromium
      rclone   # backup's REST repositories: `rclone serve restic` (Debian has no restic-rest-server)
      mariadb-server mariadb-client   # migrate mariadb's real tests start mariadbd on loopback
      mydumper)   # bench/mariadb-bench.sh compares with mydumper/myloader
# generate: validators of the generated stacks, monitoring files and scripts.
real+=(docker-compose prometheus shellcheck)
# move: the end-to-end test's old host runs its estate with docker-compose; curl asks the new edge.
real+=(curl)
# ... and the Kubernetes manifests: node runs the API's schemas from the npm package kubernetes-models
# (npm installs it into /var/cache/rehome-npm at test time). A machine that already has node and npm
# (NodeSource's nodejs bundles npm, and Debian's npm cannot install beside it) keeps its own.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  real+=(nodejs npm)
fi
# Test images from Debian packages (scripts/build-images.sh) and the private registry the Swarm pulls from.
real+=(mmdebstrap docker-registry)
if [[ "${1:-}" == "--build-only" ]]; then real=(); fi

missing=()
for pkg in "${build[@]}" "${real[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "rehome: installing missing Debian packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
export RUNLEVEL=1   # packages such as mariadb-server must not start their own service: tests start their own
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# docker-registry's package enables a registry on every address of this machine (port 5000): the tests
# start their own on the test network only, so the system one stays off where systemd runs.
if [[ -d /run/systemd/system ]] && systemctl is-enabled docker-registry >/dev/null 2>&1; then
  $sudo systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
