#!/usr/bin/python3
"""A Python worker on qb_worker.py for test/worker-python-held.test.ts: held methods,
signals, cancel and deadlines seen from inside, pond queries. MAX_CALLS sets
max_concurrent_calls."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "workers", "python"))
from qb_worker import Aborted, held, serve  # noqa: E402

SEEN = {}  # tag -> what a method saw when it was woken from call.signal()


def sequence(value, call):
    """held: after wait_ms, for each name of `names`: yields, then takes one value of that signal"""
    time.sleep(value.get("wait_ms", 0) / 1000)
    got = []
    for name in value["names"]:
        yield {"next": name}
        got.append(call.signal(name))
    return {"got": got}


@held
def collect(value, call):
    """held: every value of a signal until it ends; with `again`, asks once more after the end"""
    got = list(call.signals(value["name"]))
    if value.get("again"):
        call.signal(value["name"])
    return {"got": got}


def block(value, call):
    """held: waits on a signal that never comes, notes how it was woken"""
    yield "waiting"
    try:
        call.signal("never")
    except Aborted as e:
        SEEN[value["tag"]] = {"reason": call.reason, "aborted": call.aborted.is_set(), "code": e.code}
        raise


def seen(value, call):
    return SEEN.get(value["tag"])


def plain_signal(value, call):
    """not held: call.signal raises NotHeldError"""
    return call.signal("x")


def rows(value, call):
    return call.pond_query(value["sql"], value.get("params"))


def columns(value, call):
    """call.pond_columns: what came back, summed and typed, to compare with the query"""
    r = call.pond_columns(value["sql"], value.get("params"))
    x = r.columns["x"]
    return {"rows": r.rows, "kinds": r.kinds, "sum": float(x.sum()), "dtype": str(x.dtype), "names": list(r.columns["name"][:3]),
            "valid_name": [int(v) for v in r.valid["name"][:3]], "path": r.file.path}


def land(value, call):
    return {"land": call.land, "path": call.land_path("a", "b.txt")}


serve({"sequence": sequence, "collect": collect, "block": block, "seen": seen, "plain_signal": plain_signal, "rows": rows, "columns": columns, "land": land},
      name="held-fixture", max_concurrent_calls=int(os.environ.get("MAX_CALLS", "64")))
