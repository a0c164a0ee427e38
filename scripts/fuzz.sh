#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*.cc) with clang-14 under ASan + UBSan and runs
# each for SECONDS (default 20) from its corpus in fuzz/corpus/NAME (copied, so the
# repository's corpus is not rewritten). Prints each target's executions, coverage
# and features; exits non-zero when a target finds a crash, a leak or a broken
# property (the input is saved as build-fuzz/crash-*).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_expr fuzz_wal fuzz_history fuzz_scenario fuzz_journal fuzz_service fuzz_log_segment)
jobs="${MDRILL_JOBS:-2}"

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDRILL_FUZZ=ON \
  -DMDRILL_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}" >/dev/null

status=0
passed=0
failed=0
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  name="${t#fuzz_}"
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  log="$root/build-fuzz/$t.log"
  if (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 "./$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -max_len=65536 "$work" >"$log" 2>&1); then
    done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)"
    printf 'fuzz: %-14s %s\n' "$t" "${done_line:-(no summary)}"
    passed=$((passed + 1))
  else
    echo "fuzz: $t FOUND A FAILURE (log: $log):"
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -20 || tail -20 "$log"
    status=1
    failed=$((failed + 1))
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
exit "$status"
