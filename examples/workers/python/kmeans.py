#!/usr/bin/python3
"""K-means with a held call per shard: the TypeScript kmeans worker again, in Python.

    initial(rows)                    -> {centroids, rounds_run: 0}   from the k rows {x, y}
    assign({shard, pause_ms?})  held -> loads its shard from the pond once, then for every
                                        signal "centroids" {centroids, rounds_run} yields
                                        {shard, sums: [[sx, sy, n]...], changed, rounds_run,
                                        centroids, loads}; returns {shard, points} when the
                                        signal ends
    recenter({sums, max_rounds})     -> [] when no point changed cluster or max_rounds
                                        updates were made, else [{centroids, rounds_run + 1}]
    summary(sums)                    -> {centroids, rounds_run, shard_loads, shards}

Same contract and same numbers as examples/workers/kmeans.ts (examples/kmeans.flow runs
either). `loads` counts how many times a shard was ever read from the pond: each load
appends a line to kmeans/loads-<shard> in the land, which every replica shares. `pause_ms`
makes every round wait that long first (for demos and tests that act mid-loop).
Run with Debian's interpreter (python3-grpcio, python3-numpy):
    /usr/bin/python3 examples/workers/python/kmeans.py
"""

import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qb_worker import InvalidArgument, serve  # noqa: E402


def whole(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
        raise InvalidArgument(f"{what} must be a whole number, not {v!r}")
    return int(v)


def points_of(rows, what):
    """(xs, ys) as float64 arrays from a list of {x, y} rows."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidArgument(f"{what} must be a list of {{x, y}} rows")
    xs = np.array([r.get("x") for r in rows], dtype=np.float64)
    ys = np.array([r.get("y") for r in rows], dtype=np.float64)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise InvalidArgument(f"{what}: every x and y must be a number")
    return xs, ys


def assign_points(xs, ys, centroids, previous):
    """Each point to its nearest centroid (squared distance; a tie goes to the lowest index).
    Gives (nearest, sums [[sx, sy, n] per cluster], changed: how many differ from previous)."""
    k = len(centroids)
    best = np.full(len(xs), np.inf)
    nearest = np.zeros(len(xs), dtype=np.int64)
    for j, (cx, cy) in enumerate(centroids):
        d = (xs - cx) * (xs - cx) + (ys - cy) * (ys - cy)
        closer = d < best
        best[closer] = d[closer]
        nearest[closer] = j
    changed = int(np.count_nonzero(nearest != previous))
    # bincount adds in point order, as a plain loop would: the same sums as the TypeScript worker
    sx = np.bincount(nearest, weights=xs, minlength=k)
    sy = np.bincount(nearest, weights=ys, minlength=k)
    n = np.bincount(nearest, minlength=k)
    return nearest, [[float(a), float(b), int(c)] for a, b, c in zip(sx, sy, n)], changed


def centroids_of(s):
    c = s.get("centroids") if isinstance(s, dict) else None
    if not isinstance(c, list) or not c or not all(isinstance(p, list) and len(p) == 2 for p in c):
        raise InvalidArgument(f"signal centroids must be {{centroids: [[x, y], ...], rounds_run}}, not {s!r:.200}")
    return [(float(x), float(y)) for x, y in c]


def count_load(call, shard):
    """Appends one line to the shard's load count in the land and gives the count."""
    path = call.land_path("kmeans", f"loads-{shard}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{call.id}\n".encode())
    finally:
        os.close(fd)
    with open(path) as f:
        return sum(1 for line in f if line.strip())


def initial(rows, call):
    if not isinstance(rows, list) or not rows:
        raise InvalidArgument("initial needs a non-empty list of {x, y} rows")
    xs, ys = points_of(rows, "rows")
    return {"centroids": [[float(x), float(y)] for x, y in zip(xs, ys)], "rounds_run": 0}


def assign(value, call):
    """held: loads a shard once, then yields partial sums for every "centroids" signal"""
    value = value if isinstance(value, dict) else {}
    shard = whole(value.get("shard"), "shard")
    pause = value.get("pause_ms")
    pause_s = pause / 1000 if isinstance(pause, (int, float)) and not isinstance(pause, bool) and pause > 0 else 0
    xs, ys = points_of(call.pond_query("SELECT x, y FROM points WHERE shard = :shard ORDER BY id", {"shard": shard}), "the shard's points")
    loads = count_load(call, shard)
    assignment = np.full(len(xs), -1, dtype=np.int64)
    for s in call.signals("centroids"):
        if pause_s and call.aborted.wait(pause_s):
            call.check()
        assignment, sums, changed = assign_points(xs, ys, centroids_of(s), assignment)
        yield {"shard": shard, "sums": sums, "changed": changed, "rounds_run": s.get("rounds_run"), "centroids": s["centroids"], "loads": loads}
    return {"shard": shard, "points": len(xs)}


def recenter(value, call):
    value = value if isinstance(value, dict) else {}
    parts = value.get("sums")
    if not isinstance(parts, list) or not parts:
        raise InvalidArgument("recenter needs the partial sums of a round")
    max_rounds = whole(value.get("max_rounds", 50), "max_rounds")
    first = parts[0]
    if sum(p["changed"] for p in parts) == 0 or first["rounds_run"] >= max_rounds:
        return []
    centroids = []
    for j, old in enumerate(first["centroids"]):
        sx, sy, n = 0.0, 0.0, 0
        for p in parts:
            sx += p["sums"][j][0]
            sy += p["sums"][j][1]
            n += p["sums"][j][2]
        centroids.append([sx / n, sy / n] if n > 0 else old)  # an empty cluster keeps its centroid
    return [{"centroids": centroids, "rounds_run": first["rounds_run"] + 1}]


def summary(parts, call):
    if not isinstance(parts, list) or not parts:
        raise InvalidArgument("summary needs the partial sums of the last round")
    first = parts[0]
    return {"centroids": first["centroids"], "rounds_run": first["rounds_run"], "shard_loads": sum(p["loads"] for p in parts), "shards": len(parts)}


if __name__ == "__main__":
    serve({"initial": initial, "assign": assign, "recenter": recenter, "summary": summary}, name="kmeans", version="1.0.0")
