#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the lab's standalone server
# on loopback, runs the demo flow against it with the project's own client, and
# stops the server. (The failover suite will take the demo's place.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${MDRILL_JOBS:-2}" --target milvus-drill

data="$(mktemp -d /tmp/milvus-drill-main-XXXXXX)"
listen="${MDRILL_LISTEN:-127.0.0.1:19530}"
trap 'build/milvus-drill lab down --data-dir "$data" >/dev/null; rm -rf "$data"' EXIT
build/milvus-drill lab up --topology standalone --listen "$listen" --data-dir "$data"
build/milvus-drill demo --uri "$listen"
