#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the HA lab on loopback
# (etcd x3, coordinator x2, query node x3, proxy x2 behind HAProxy), runs the demo
# flow through its front door with the project's own client, and stops the lab.
# (The failover suite will take the demo's place.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${MDRILL_JOBS:-2}" --target milvus-drill

data="$(mktemp -d /tmp/milvus-drill-main-XXXXXX)"
front_door="${MDRILL_FRONT_DOOR:-127.0.0.1:19530}"
trap 'build/milvus-drill lab down --data-dir "$data" >/dev/null; rm -rf "$data"' EXIT
build/milvus-drill lab up --topology ha --front-door "$front_door" --data-dir "$data"
build/milvus-drill demo --uri "$front_door"
