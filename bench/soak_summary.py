#!/usr/bin/env python3
"""Summarises bench/soak_watch.sh's samples beside the soak's result JSON.

Prints, per component: peak resident memory, descriptors (first, peak, last),
restarts; the restarts beyond the injected kills; and every fault's observed
hold on a component against its scheduled lifetime (a fault seen more than
2 samples past its expiry outlived it).

Usage: python3 bench/soak_summary.py watch.csv result.json
"""
import csv
import json
import sys


def main(watch_path, result_path):
    rows = list(csv.DictReader(open(watch_path)))
    result = json.load(open(result_path))
    test = result["tests"][0] if "tests" in result else result
    comps = {}
    held = {}  # (component, fault id) -> [first, last] unix s
    for r in rows:
        c = comps.setdefault(r["name"], {"rss": 0, "fds": [], "restarts": 0})
        c["rss"] = max(c["rss"], int(r["rss_kb"] or 0))
        if int(r["fds"] or 0) > 0:
            c["fds"].append(int(r["fds"]))
        c["restarts"] = max(c["restarts"], int(r["restarts"] or 0))
        if r["fault"]:
            h = held.setdefault((r["name"], r["fault"]), [int(r["unix_s"]), int(r["unix_s"])])
            h[1] = int(r["unix_s"])
    print("component        peak RSS MiB   fds first/peak/last   restarts")
    for name, c in comps.items():
        f = c["fds"] or [0]
        print(f"{name:16} {c['rss'] / 1024:12.1f}   {f[0]:5}/{max(f):5}/{f[-1]:5}   {c['restarts']:8}")
    kills = sum(1 for f in test.get("faults", []) if " kill " in f or f.split("s ", 1)[-1].startswith("kill"))
    restarts = sum(c["restarts"] for n, c in comps.items() if n not in ("supervisor", "drill"))
    print(f"kills injected: {kills}; restarts seen: {restarts}; beyond the kills: {max(0, restarts - kills)}")
    interval = 5
    if len(rows) > 1:
        times = sorted({int(r["unix_s"]) for r in rows})
        interval = max(1, (times[-1] - times[0]) // max(1, len(times) - 1))
    max_fault = 10
    outlived = [(k, v) for k, v in held.items() if v[1] - v[0] > max_fault + 2 * interval]
    print(f"faults seen holding a component: {len(held)}; held longer than {max_fault} s + 2 samples: {len(outlived)}")
    for (name, fid), (a, b) in outlived:
        print(f"  {name} {fid}: {b - a} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
