#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the failover suite
# (the seed's four scenarios: coordinator, worker, concurrent, partition) against
# the HA lab, which `run` starts itself (etcd x3, coordinator x2, query node x3,
# proxy x2 behind HAProxy; a network namespace per component when run as root) and
# stops afterwards. Arguments are passed to `milvus-drill run` (e.g. --test
# coordinator, --duration 30s, --json result.json). Histories, results and the
# fault journal go to ./milvus-drill-runs. Exit code: 0 pass, 1 fail, 2 could not judge.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${MDRILL_JOBS:-2}" --target milvus-drill

data="$(mktemp -d /tmp/milvus-drill-main-XXXXXX)"
front_door="${MDRILL_FRONT_DOOR:-127.0.0.1:19530}"
# `run` stops the lab it started; this is for an interrupted run.
trap 'build/milvus-drill lab down --data-dir "$data/lab" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
build/milvus-drill run --test all --lab-dir "$data/lab" --host "${front_door%:*}" --port "${front_door##*:}" \
  --out-dir ./milvus-drill-runs --html ./milvus-drill-runs/report.html --junit ./milvus-drill-runs/junit.xml "$@"
