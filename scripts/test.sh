#!/usr/bin/env bash
# Builds milvus-drill and runs every test: the unit and integration tests (ctest),
# then the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Installs what is missing first (scripts/setup.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh

# Source limits: files <= 500 lines, functions <= 80 lines, clang-format clean.
python3 scripts/check_source.py

jobs="${MDRILL_JOBS:-2}"
# ccache (when installed) shares objects between clones of the project: paths are
# hashed relative to the clone, not absolute.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure --timeout 600)

# Fuzzing (clang-14's libFuzzer, ASan + UBSan): each target briefly; bash scripts/fuzz.sh
# SECONDS runs them longer.
bash scripts/fuzz.sh "${MDRILL_FUZZ_SECONDS:-15}"

# Sanitizer build of the unit tests (the engine and utilities; no servers).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMDRILL_SANITIZE=ON -DMDRILL_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target util_test engine_test lab_unit_test drill_test nemesis_test run_unit_test report_test
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest -L unit --output-on-failure --timeout 900)
