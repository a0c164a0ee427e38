#!/usr/bin/env bash
# Installs everything milvus-drill needs to build, run and test, from Debian 12 packages and npm.
# Idempotent: quiet and fast when everything is already present.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake pkg-config git ccache python3 clang-format-14 clang-14 libclang-rt-14-dev libomp-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libfaiss-dev libopenblas-dev
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libssl-dev libcrypt-dev openssl
  etcd-server etcd-client haproxy iproute2 nftables procps jq
  nodejs
  chromium fonts-wqy-microhei
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's nodejs ships npm separately; other nodejs builds bundle it (and conflict with Debian's npm).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# kubectl for tests/deploy/validate_manifests.sh (offline checks of deploy/k8s/). Any kubectl on
# PATH will do, so only a machine without one gets Debian's (kubernetes-client, kubectl 1.20):
# another kubectl package may own /usr/bin/kubectl, and the two conflict.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: installing kubectl (Debian's kubernetes-client)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null; }
fi

# The Node SDK for the interop tests, pinned, installed into tests/interop/node_modules.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/tests/interop/package.json" ] && [ ! -d "$here/tests/interop/node_modules/@zilliz/milvus2-sdk-node" ]; then
  echo "setup: installing the Milvus Node SDK from npm"
  (cd "$here/tests/interop" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

# playwright-core, pinned, drives Debian's chromium for the HTML report's browser test
# (tests/browser); it brings no browser of its own.
if [ -f "$here/tests/browser/package.json" ] && [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
  echo "setup: installing playwright-core from npm"
  (cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
