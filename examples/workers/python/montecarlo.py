#!/usr/bin/python3
"""Monte Carlo estimate of pi: the TypeScript montecarlo worker again, in Python.

    sample({n, seed})                   -> {hits, n}
    add({left, right})                  -> {hits, n}
    pool({counts: [{hits, n}, ...]})    -> {hits, n}
    ratio({hits: {hits, n}, samples})   -> 4 * hits / n

Same inputs, same results as examples/workers/montecarlo.ts: both draw their points from
mulberry32 seeded through fmix32 (see mulberry32.ts), here vectorised with numpy.
Served over Invoke and Session (qb_worker.py), with every conformance method: it passes
every check of `qb worker test`. Run with Debian's interpreter, which has python3-grpcio
and python3-numpy:  /usr/bin/python3 examples/workers/python/montecarlo.py
"""

import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qb_worker import InvalidArgument, serve  # noqa: E402

CHUNK = 1 << 20  # samples per numpy batch (bounds memory; abort is checked between batches)
MAX_N = 2 ** 40
GOLDEN = np.uint32(0x6D2B79F5)


def fmix32(seed):
    h = seed & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def uniforms(state0, first, count):
    """Outputs first .. first+count-1 (1-based) of the mulberry32 stream from state0, as float64 in [0, 1)."""
    with np.errstate(over="ignore"):
        i = np.arange(first, first + count, dtype=np.uint64).astype(np.uint32)
        t = np.uint32(state0) + i * GOLDEN
        t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
        t ^= t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61))
        t ^= t >> np.uint32(14)
    return t.astype(np.float64) / 4294967296.0


def whole(v, what, top=sys.maxsize):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or not 0 <= v <= top:
        raise InvalidArgument(f"{what} must be a whole number from 0 to {top}, not {v!r}")
    return int(v)


def hits_of(v, what):
    if not isinstance(v, dict):
        raise InvalidArgument(f"{what} must be an object {{hits, n}}, not {v!r}")
    h = {"hits": whole(v.get("hits"), f"{what}.hits"), "n": whole(v.get("n"), f"{what}.n")}
    if h["hits"] > h["n"]:
        raise InvalidArgument(f"{what}: hits ({h['hits']}) cannot exceed n ({h['n']})")
    return h


def sample(value, call):
    value = value if isinstance(value, dict) else {}
    n = whole(value.get("n"), "n", MAX_N)
    seed = whole(value.get("seed"), "seed", 0xFFFFFFFF)
    s0 = fmix32(seed)
    hits = 0
    for start in range(0, n, CHUNK):
        call.check()
        count = min(CHUNK, n - start)
        u = uniforms(s0, 2 * start + 1, 2 * count)
        x, y = u[0::2], u[1::2]
        hits += int(np.count_nonzero(x * x + y * y < 1.0))
    return {"hits": hits, "n": n}


def add(value, call):
    value = value if isinstance(value, dict) else {}
    left, right = hits_of(value.get("left"), "left"), hits_of(value.get("right"), "right")
    return {"hits": left["hits"] + right["hits"], "n": left["n"] + right["n"]}


def pool(value, call):
    value = value if isinstance(value, dict) else {}
    counts = value.get("counts")
    if not isinstance(counts, list):
        raise InvalidArgument(f"counts must be a list of {{hits, n}}, not {counts!r}")
    total = {"hits": 0, "n": 0}
    for i, c in enumerate(counts):
        h = hits_of(c, f"counts[{i}]")
        total["hits"] += h["hits"]
        total["n"] += h["n"]
    return total


def ratio(value, call):
    value = value if isinstance(value, dict) else {}
    h = hits_of(value.get("hits"), "hits")
    if h["n"] == 0:
        raise InvalidArgument("hits.n is 0: no samples to estimate from")
    samples = value.get("samples")
    if samples is not None and whole(samples, "samples") != h["n"]:
        raise InvalidArgument(f"samples is {samples!r} but the counts cover {h['n']}: a shard is missing or counted twice")
    return 4 * h["hits"] / h["n"]


if __name__ == "__main__":
    serve({"sample": sample, "add": add, "pool": pool, "ratio": ratio}, name="montecarlo")
