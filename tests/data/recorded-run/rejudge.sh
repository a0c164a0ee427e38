#!/bin/bash
# Re-judges the recorded run with the current checkers: each result.json's figures
# and checks are replaced by `milvus-drill check` of its history (the test's own
# fields, faults and elapsed time, stay). Run after a change to a definition.
# Usage: bash tests/data/recorded-run/rejudge.sh [path/to/milvus-drill]
set -euo pipefail
bin="$(realpath "${1:-build/milvus-drill}")"
cd "$(dirname "$0")/out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for h in *.history.jsonl; do
  b="${h%.history.jsonl}"
  # The recording ran with --availability-min 99.9, when that was the default.
  "$bin" check "$h" --availability-min 99.9 --json "$tmp/$b.json" >/dev/null || true
  jq --indent 2 -s '.[0] + .[1]' "$b.result.json" "$tmp/$b.json" > "$tmp/$b.merged"
  mv "$tmp/$b.merged" "$b.result.json"
done
