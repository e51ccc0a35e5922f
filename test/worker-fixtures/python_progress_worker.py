#!/usr/bin/python3
"""A Python worker on qb_worker.py for test/run-progress.test.ts: a method that reports
progress and takes a while, so that the time it ran (worker_ms) can be checked."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "workers", "python"))
from qb_worker import serve  # noqa: E402


def phases(value, call):
    """reports each of `fractions` in turn, `ms` apart, then returns `v`"""
    for f in value["fractions"]:
        call.progress(f, f"at {f}")
        time.sleep(value["ms"] / 1000)
    return value["v"]


if __name__ == "__main__":
    serve({"phases": phases}, name="python-progress", version="1.0.0")
