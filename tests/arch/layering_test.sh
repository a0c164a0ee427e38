#!/usr/bin/env bash
# The layers hold: the drill and the reports include nothing of the lab but the
# supervisor's client, and a binary built only from the drill's libraries
# (run_unit_test: report, run, check, history, nemesis) links none of the lab's
# server, HA or supervisor libraries. Usage: layering_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
fail=0

bad=$(grep -rn '#include "lab/' "$src/src/drill" "$src/src/report" | grep -v '#include "lab/supervisor/client.h"' || true)
if [ -n "$bad" ]; then
  echo "FAIL: the drill or the reports include the lab:"
  echo "$bad"
  fail=1
fi

link="$build/CMakeFiles/run_unit_test.dir/link.txt"
if [ ! -f "$link" ]; then
  echo "FAIL: no link line at $link"
  exit 1
fi
for lib in libmdrill_lab_server.a libmdrill_lab_ha.a libmdrill_lab_supervisor.a libmdrill_engine.a; do
  if grep -q "$lib" "$link"; then
    echo "FAIL: the drill's libraries link $lib"
    fail=1
  fi
done
grep -q libmdrill_lab_client.a "$link" || { echo "FAIL: expected the supervisor's client on the link line"; fail=1; }
if [ "$fail" -eq 0 ]; then
  echo "the drill links: $(grep -o 'libmdrill_[a-z_]*\.a' "$link" | sort -u | tr '\n' ' ')"
fi
exit "$fail"
