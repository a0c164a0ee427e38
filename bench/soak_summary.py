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


def judged(test):
    """The run's own figures: faults and operations by kind, the invariants, RTOs."""
    faults = {}
    for f in test.get("faults", []):
        what = f.split("s ", 1)[-1]
        kind = " ".join(what.split()[:2]).rstrip("0123456789-")
        faults[kind] = faults.get(kind, 0) + 1
    print("faults by kind:", ", ".join(f"{k} {n}" for k, n in sorted(faults.items())), f"(total {sum(faults.values())})")
    ops = {}
    for phase in test["phases"]["phases"].values():
        for kind, c in phase["by_kind"].items():
            o = ops.setdefault(kind, [0, 0])
            o[0] += c["count"]
            o[1] += c["ok"]
    print("operations by kind (ok/all):", ", ".join(f"{k} {o[1]}/{o[0]}" for k, o in sorted(ops.items())))
    c, k, sb = test["consistency"], test["keyed"], test["split_brain"]
    print(f"auto_id inserts: lost {c['lost_count']}, duplicated {c['duplicated_count']}")
    print("keyed:", ", ".join(f"{inv} {len(k[inv])}" for inv in ("lost", "duplicated", "resurrected", "stale", "phantom")),
          f"(ok ops {k['ok_ops']}, unknown writes {k['unknown_writes']})")
    print(f"split-brain signals: {sb['signals']}")
    f = test["failures"]
    print(f"failed requests: {f['total']} ({f['explained']} explained by a fault, {f['unexplained']} unexplained)")
    rtos = sorted(x["rto_s"] for x in test["strict_rto"].get("by_fault", []) if x["rto_s"] is not None)
    never = sum(1 for x in test["strict_rto"].get("by_fault", []) if x["never_recovered"])
    if rtos:
        print(f"outages: {len(rtos) + never}; strict RTO median {rtos[len(rtos) // 2]:.3f} s, max {rtos[-1]:.3f} s;"
              f" never recovered {never}")
    print("checks failed:", [x["name"] for x in test["checks"] if x["judged"] and not x["pass"]] or "none")


def main(watch_path, result_path):
    rows = list(csv.DictReader(open(watch_path)))
    result = json.load(open(result_path))
    test = result["tests"][0] if "tests" in result else result
    judged(test)
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
