#!/usr/bin/env bash
# Watches a lab while a soak runs against it, from outside the drill: every
# INTERVAL seconds, each component's pid, state, restarts and holding fault (from
# `lab status`) with its resident memory and open descriptors (from /proc), and
# the same for the supervisor and the drill itself. Ends when the lab is gone,
# then summarises: peak memory and descriptors per component, restarts, and how
# long each fault held a component (a fault that outlived its expiry shows here).
#
# Usage: bash bench/soak_watch.sh MILVUS_DRILL LAB_DIR DRILL_PID [INTERVAL] > watch.csv
#        python3 bench/soak_summary.py watch.csv RESULT_JSON
set -euo pipefail
bin="$1" dir="$2" drill_pid="$3" interval="${4:-5}"

proc_line() {  # name pid state restarts fault
  local rss=0 fds=0
  if [[ "$2" != 0 && -r /proc/$2/status ]]; then
    rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$2/status" 2>/dev/null || echo 0)"
    fds="$(ls "/proc/$2/fd" 2>/dev/null | wc -l)"
  fi
  echo "$(date +%s),$1,$2,$3,$4,$5,${rss:-0},$fds"
}

echo "unix_s,name,pid,state,restarts,fault,rss_kb,fds"
for _ in $(seq 1 120); do [[ -f "$dir/supervisor.addr" ]] && break; sleep 1; done
while kill -0 "$drill_pid" 2>/dev/null; do
  status="$("$bin" lab status --data-dir "$dir" 2>/dev/null || true)"
  [[ -z "$status" ]] && { sleep "$interval"; continue; }
  # NAME ROLE APP PID ADDRESS STATE HEALTHY RESTARTS [fault ID]
  while read -r name role app pid addr state healthy restarts rest; do
    [[ "$name" == NAME || -z "$restarts" || ! "$restarts" =~ ^[0-9]+$ ]] && continue
    fault=""
    [[ "$rest" == fault* ]] && fault="${rest#fault }"
    proc_line "$name" "$pid" "$state" "$restarts" "$fault"
  done <<< "$status"
  sup="$(jq -r '.supervisor_pid // 0' "$dir/state.json" 2>/dev/null || echo 0)"
  proc_line supervisor "$sup" running 0 ""
  proc_line drill "$drill_pid" running 0 ""
  sleep "$interval"
done
