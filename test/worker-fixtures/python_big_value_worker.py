"""The large-value tests' Python worker (test/run-large-values.test.ts), on qb_worker.py:
the same values as test/workers/big-value.ts, made and checked here.

    make({mb, seed})   {seed, chunks}: chunks of 100,000 characters, `mb` million in all
    digest(value)      {bytes, sha256, pid} of value["chunks"] joined
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "workers", "python"))
from qb_worker import serve  # noqa: E402

CHUNK = 100_000


def make(value, call):
    n = round(value["mb"] * 1_000_000 / CHUNK)
    seed = value["seed"]
    return {"seed": seed, "chunks": [chr(97 + (seed + i) % 26) * (CHUNK - 8) + str(i).zfill(8) for i in range(n)]}


def digest(value, call):
    h = hashlib.sha256()
    size = 0
    for c in value["chunks"]:
        data = c.encode()
        h.update(data)
        size += len(data)
    return {"bytes": size, "sha256": h.hexdigest(), "pid": os.getpid()}


serve({"make": make, "digest": digest}, name="big-value-py")
