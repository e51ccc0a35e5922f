"""A small Quarterback worker library for Python: Invoke, Describe, Session (held calls and
signals), grpc.health.v1 and pond queries, with no build step.

It needs only Debian's python3-grpcio and python3-protobuf (pulled in by python3-grpcio):
the messages of proto/quarterback/v1/worker.proto are built here at run time from
descriptors, so there is no protoc/grpcio-tools step. (With grpcio-tools you could generate
worker_pb2.py from the .proto instead; the bytes on the wire are the same.)

    from qb_worker import serve, InvalidArgument

    def double(value, call):                 # a plain method: input in, output out
        return 2 * value

    def assign(value, call):                 # a generator function is a held method (or use @held)
        rows = call.pond_query("SELECT x FROM points WHERE shard = :s", {"s": value["shard"]})
        for centroids in call.signals("centroids"):   # until the quarterback ends the signal
            yield {"n": len(rows)}                     # Yielded, round = signal values taken so far
        return {"done": True}                          # the call's result

    serve({"double": double, "assign": assign}, name="doubler")

A method gets the input (decoded JSON, or a LandRef) and a Call; it returns the output
(anything json.dumps accepts, numpy values included, or a LandRef) or raises. A value too
big for a message crosses the land as JSON, both ways, and the method sees the value itself
(docs/worker-protocol.md, section 3). The Call:

    call.aborted              threading.Event: set on cancel, deadline, shutdown (call.reason says which)
    call.check()              raises Aborted when the call should stop
    call.signal(name)         held methods: the next value of that signal (blocks; FIFO per name);
                              raises SignalEndedError once the quarterback ended the signal
    call.signals(name)        iterates the values until the signal ends
    call.progress(f, msg="")  over Session: a Progress message (at most one per 50 ms, latest wins)
    call.pond_query(sql, params)   all rows of a pond query, as a list of dicts (QB_CALLBACK)
    call.pond_batches(sql, params) the same, one list per batch, for big results
    call.pond_columns(sql, params) the whole result as columns (numpy arrays), through an Arrow
                                   file on the land (needs QB_LAND; reader in qb_arrow.py)
    call.land, call.land_path(p)   the land directory (QB_LAND) and a checked path under it
    call.id, call.method, call.attempt, call.time_remaining()

The conformance methods qb.echo, qb.fail, qb.sleep, qb.aborted and qb.held are served too
(docs/worker-protocol.md, section 12), so `qb worker test` can check the worker.
"""

import collections
import hashlib
import inspect
import json
import math
import os
import queue
import signal
import sys
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from concurrent import futures
from dataclasses import dataclass

import grpc
from google.protobuf import descriptor_pb2, message_factory

SDK = "quarterback-py/0.5.0"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
MAX_CONCURRENT_CALLS = 64
PROGRESS_INTERVAL_S = 0.05  # at most one Progress message per call per 50 ms
# a cancel that lands this close to an Invoke's deadline is the deadline (the caller's clock fires first)
DEADLINE_SLACK_S = 0.05
_MAX_ERROR_MESSAGE, _MAX_ERROR_DETAILS, _MAX_PROGRESS_MESSAGE = 4_000, 32_000, 1_000

# ---- messages, built from descriptors (the same numbers and types as worker.proto) ---------

_F = descriptor_pb2.FieldDescriptorProto
_TYPES = {"string": _F.TYPE_STRING, "bool": _F.TYPE_BOOL, "uint32": _F.TYPE_UINT32, "uint64": _F.TYPE_UINT64, "double": _F.TYPE_DOUBLE}


def _message(file, name, fields, oneofs=()):
    """fields: (name, number, type[, oneof]); type is a scalar name, "enum pkg.E", or "pkg.M", maybe "repeated ..." ."""
    m = file.message_type.add(name=name)
    for o in oneofs:
        m.oneof_decl.add(name=o)
    for fname, number, ftype, *oneof in fields:
        repeated = ftype.startswith("repeated ")
        ftype = ftype[len("repeated "):] if repeated else ftype
        f = m.field.add(name=fname, number=number, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
        if ftype in _TYPES:
            f.type = _TYPES[ftype]
        elif ftype.startswith("enum "):
            f.type, f.type_name = _F.TYPE_ENUM, "." + ftype[5:]
        else:
            f.type, f.type_name = _F.TYPE_MESSAGE, "." + ftype
        if oneof:
            f.oneof_index = list(oneofs).index(oneof[0])


def _build():
    worker = descriptor_pb2.FileDescriptorProto(name="quarterback/v1/worker.proto", package="quarterback.v1", syntax="proto3")
    codes = worker.enum_type.add(name="ErrorCode")
    for number, code in enumerate(["UNSPECIFIED", "FAILED", "UNKNOWN_METHOD", "INVALID_ARGUMENT", "CANCELLED", "DEADLINE_EXCEEDED",
                                   "RESOURCE_EXHAUSTED", "UNAVAILABLE", "PROTOCOL", "INTERNAL"]):
        codes.value.add(name="ERROR_CODE_" + code, number=number)
    v1 = "quarterback.v1."
    _message(worker, "LandRef", [("path", 1, "string"), ("size", 2, "uint64"), ("sha256", 3, "string"), ("media_type", 4, "string"), ("stamp", 5, "string"), ("xxh128", 6, "string")])
    _message(worker, "Value", [("json", 1, "string", "kind"), ("land", 2, v1 + "LandRef", "kind")], oneofs=["kind"])
    _message(worker, "CallError", [("code", 1, "enum quarterback.v1.ErrorCode"), ("message", 2, "string"), ("details", 3, "string"),
                                   ("retryable", 4, "bool"), ("type", 5, "string")])
    # Invoke
    _message(worker, "Input", [("method", 1, "string"), ("input", 2, v1 + "Value"), ("call_id", 3, "string"), ("attempt", 4, "uint32")])
    _message(worker, "Output", [("result", 1, v1 + "Value", "outcome"), ("error", 2, v1 + "CallError", "outcome"), ("worker_ms", 3, "double")],
             oneofs=["outcome"])
    # Describe
    _message(worker, "DescribeRequest", [])
    _message(worker, "DescribeResponse", [("name", 1, "string"), ("version", 2, "string"), ("methods", 3, "repeated " + v1 + "MethodInfo"),
                                          ("max_concurrent_calls", 4, "uint32"), ("session", 5, "bool"), ("max_message_bytes", 6, "uint64"),
                                          ("sdk", 7, "string"), ("reads_spilled_values", 8, "bool"),
                                          ("session_batches", 9, "bool")])
    _message(worker, "MethodInfo", [("name", 1, "string"), ("held", 2, "bool"), ("description", 3, "string")])
    # Session
    _message(worker, "SessionIn", [("call_id", 1, "string"), ("start", 2, v1 + "Start", "msg"), ("signal", 3, v1 + "Signal", "msg"),
                                   ("cancel", 4, v1 + "Cancel", "msg"), ("batch", 5, "repeated " + v1 + "SessionIn")], oneofs=["msg"])
    _message(worker, "Start", [("method", 1, "string"), ("input", 2, v1 + "Value"), ("timeout_ms", 3, "uint64"), ("attempt", 4, "uint32")])
    _message(worker, "Signal", [("name", 1, "string"), ("value", 2, v1 + "Value"), ("end", 3, "bool")])
    _message(worker, "Cancel", [("reason", 1, "string")])
    _message(worker, "SessionOut", [("call_id", 1, "string"), ("progress", 2, v1 + "Progress", "msg"), ("yielded", 3, v1 + "Yielded", "msg"),
                                    ("awaiting", 4, v1 + "Awaiting", "msg"), ("result", 5, v1 + "Value", "msg"),
                                    ("error", 6, v1 + "CallError", "msg"), ("worker_ms", 7, "double"),
                                    ("batch", 8, "repeated " + v1 + "SessionOut")], oneofs=["msg"])
    _message(worker, "Progress", [("fraction", 1, "double"), ("message", 2, "string")])
    _message(worker, "Yielded", [("value", 1, v1 + "Value"), ("round", 2, "uint32")])
    _message(worker, "Awaiting", [("signal", 1, "string"), ("round", 2, "uint32"), ("taken", 3, "uint32")])
    # the quarterback's callback service: pond queries
    _message(worker, "PondQueryRequest", [("sql", 1, "string"), ("params_json", 2, "string"), ("batch_size", 3, "uint32"),
                                          ("call_id", 4, "string"), ("worker", 5, "string"), ("replica", 6, "uint32")])
    _message(worker, "PondRows", [("rows_json", 1, "string")])
    _message(worker, "PondColumnsReply", [("file", 1, v1 + "LandRef"), ("rows", 2, "uint64")])

    health = descriptor_pb2.FileDescriptorProto(name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3")
    _message(health, "HealthCheckRequest", [("service", 1, "string")])
    response = health.message_type.add(name="HealthCheckResponse")
    status = response.enum_type.add(name="ServingStatus")
    for number, name in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        status.value.add(name=name, number=number)
    response.field.add(name="status", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_ENUM,
                       type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus")
    return worker, health


WORKER_FILE, HEALTH_FILE = _build()
_classes = message_factory.GetMessages([WORKER_FILE, HEALTH_FILE])
(Value, LandRefMsg, CallError, Input, Output, DescribeRequest, DescribeResponse, MethodInfo, SessionIn, SessionOut, Progress, Yielded,
 Awaiting, PondQueryRequest, PondRows, PondColumnsReply) = (_classes["quarterback.v1." + n] for n in (
    "Value", "LandRef", "CallError", "Input", "Output", "DescribeRequest", "DescribeResponse", "MethodInfo", "SessionIn", "SessionOut",
    "Progress", "Yielded", "Awaiting", "PondQueryRequest", "PondRows", "PondColumnsReply"))
HealthCheckRequest = _classes["grpc.health.v1.HealthCheckRequest"]
HealthCheckResponse = _classes["grpc.health.v1.HealthCheckResponse"]


def describe_messages():
    """The fields of every message built here, for tests that compare them with worker.proto."""
    out = {}
    for f in (WORKER_FILE, HEALTH_FILE):
        for m in f.message_type:
            out[f.package + "." + m.name] = {fd.name: [fd.number, _F.Type.Name(fd.type)] for fd in m.field}
    return out


# ---- values and errors --------------------------------------------------------------------

@dataclass(frozen=True)
class LandRef:
    """Bulk data on the land: a path relative to QB_LAND, its size, its hash (sha256, or xxh128:
    XXH3-128, "" when it has only the other) and media type; and the writer's stamp of the file
    ("<inode>-<mtime ns>", "" for none): a reader whose file still has it skips the hash."""
    path: str
    size: int
    sha256: str
    media_type: str = "application/octet-stream"
    stamp: str = ""
    xxh128: str = ""


class CallFailure(Exception):
    """Raise to end a call with a chosen error code (e.g. "INVALID_ARGUMENT") and retryable flag."""

    def __init__(self, code, message, retryable=None, type_name=None):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.type_name = type_name or type(self).__name__


class InvalidArgument(CallFailure):
    def __init__(self, message):
        super().__init__("INVALID_ARGUMENT", message, retryable=False)


class Aborted(CallFailure):
    """Raised by call.check() and call.signal(): the call was cancelled, passed its deadline, or the worker is stopping."""


class SignalEndedError(CallFailure):
    """call.signal(name) after the quarterback said no more values come under that name."""

    def __init__(self, name):
        super().__init__("FAILED", f"signal {json.dumps(name)} has ended: no more values will come", retryable=False)
        self.signal = name


class NotHeldError(CallFailure):
    def __init__(self, method):
        super().__init__("FAILED", f"method {json.dumps(method)} is not held, so it receives no signals; make it a generator function or mark it @held",
                         retryable=False)


class PondQueryError(CallFailure):
    """A pond query failed: refused (bad SQL or parameters, no pond: not retryable) or no quarterback to ask (retryable)."""

    def __init__(self, message, retryable):
        super().__init__("FAILED", message, retryable=retryable)


_ABORTS = {  # reason -> (code, retryable, message)
    "cancelled": ("CANCELLED", False, "cancelled by the caller"),
    "deadline": ("DEADLINE_EXCEEDED", True, "deadline exceeded"),
    "shutdown": ("UNAVAILABLE", True, "the worker is shutting down"),
    "protocol": ("PROTOCOL", False, "malformed Session message"),
}
_DEFAULT_RETRYABLE = {"FAILED": True, "DEADLINE_EXCEEDED": True, "RESOURCE_EXHAUSTED": True, "UNAVAILABLE": True}


def decode(value):
    kind = value.WhichOneof("kind")
    if kind == "json":
        try:
            return json.loads(value.json)
        except ValueError as e:
            raise InvalidArgument(f"value is not valid JSON: {e}") from e
    if kind == "land":
        ref = value.land
        if ref.path.startswith("/") or ".." in ref.path.split("/"):
            raise InvalidArgument(f"land path {ref.path!r} leaves the land")
        if not ref.sha256 and not ref.xxh128:
            raise InvalidArgument(f"bad land reference {ref.path!r}: it carries no hash (sha256 or xxh128)")
        return LandRef(ref.path, ref.size, ref.sha256, ref.media_type or "application/octet-stream", ref.stamp, ref.xxh128)
    return None


# A value too big for a message travels on the land as its JSON text: a LandRef of this media
# type stands for the value itself, on the way in and out (docs/worker-protocol.md, section 3).
SPILLED_VALUE_MEDIA_TYPE = "application/vnd.quarterback.value+json"


def _land_file(land, path):
    """The absolute path of land path `path`, refused when it leaves the land (also through symlinks)."""
    root = os.path.realpath(land)
    full = os.path.realpath(os.path.join(root, *path.split("/")))
    if not full.startswith(root + os.sep):
        raise InvalidArgument(f"land path {path!r} leaves the land")
    return full


def _stamp(st):
    """A file's stamp: inode and mtime in ns, as docs/worker-protocol.md section 3 says."""
    return f"{st.st_ino}-{st.st_mtime_ns}"


def _xxhash():
    """The xxhash package (Debian: python3-xxhash), or None: without it land references are
    written with SHA-256, and one that carries only an XXH128 is checked by its stamp alone."""
    try:
        import xxhash
        return xxhash
    except ImportError:
        return None


def _digest(data):
    """(field, hex) of the hash this worker writes references with: XXH3-128 when it can, the
    fast hash for a mere identity (docs/worker-protocol.md section 3), else SHA-256."""
    xxhash = _xxhash()
    if xxhash is not None:
        return "xxh128", xxhash.xxh3_128(data).hexdigest()
    return "sha256", hashlib.sha256(data).hexdigest()


def _check_hash(ref, data):
    """Raises unless data has the reference's hash: its XXH128 when it has one (and xxhash is
    here to check it), else its SHA-256."""
    xxhash = _xxhash() if ref.xxh128 else None
    if ref.xxh128 and (xxhash is not None or not ref.sha256):
        if xxhash is None:
            raise CallFailure("FAILED", f"land file {ref.path!r}: its reference carries an xxh128 hash, and this worker cannot check it: "
                              "the Python package xxhash is missing (Debian: python3-xxhash; pip: xxhash)", retryable=False)
        field, expected, digest = "xxh128", ref.xxh128, xxhash.xxh3_128(data).hexdigest()
    elif ref.sha256:
        field, expected, digest = "sha256", ref.sha256, hashlib.sha256(data).hexdigest()
    else:
        raise InvalidArgument(f"land reference {ref.path!r} carries no hash (sha256 or xxh128) to check the file against")
    if digest != expected:
        raise InvalidArgument(f"land file {ref.path!r} does not match its reference: {field} is {digest}, the reference says {expected}")


def _read_checked(land, ref, what, check_hash=None):
    """The bytes of a land file, its size and its hash checked against its reference: the
    hash unless the file still has the reference's stamp (check_hash None), always (True),
    or never (False)."""
    full = _land_file(land, ref.path)
    try:
        with open(full, "rb") as f:
            unchanged = check_hash is None and ref.stamp != "" and _stamp(os.fstat(f.fileno())) == ref.stamp
            data = f.read(ref.size + 1)
    except OSError as e:
        raise InvalidArgument(f"land file {ref.path!r} of {what} cannot be read: {e.strerror}") from e
    if len(data) != ref.size:
        actual = f"more than {ref.size}" if len(data) > ref.size else str(len(data))
        raise InvalidArgument(f"land file {ref.path!r} does not match its reference: size is {actual} bytes, the reference says {ref.size}")
    if check_hash is not False and not ref.sha256 and not ref.xxh128:
        raise InvalidArgument(f"land reference {ref.path!r} carries no hash (sha256 or xxh128) to check the file against")
    if check_hash is False or unchanged:
        return data
    _check_hash(ref, data)
    return data


def _qb_arrow():
    """qb_arrow.py, the Arrow reader beside this file: loaded by the workers that read columns only."""
    if "qb_arrow" not in sys.modules:
        import importlib.util
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qb_arrow.py")
        if not os.path.exists(path):
            raise CallFailure("FAILED", f"call.pond_columns needs qb_arrow.py beside qb_worker.py ({path} is missing)", retryable=False)
        spec = importlib.util.spec_from_file_location("qb_arrow", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["qb_arrow"] = module
    return sys.modules["qb_arrow"]


@dataclass(frozen=True)
class PondColumns:
    """A pond query's result as columns (call.pond_columns): numpy arrays when numpy is installed
    (typed memoryviews otherwise), text as lists of str (None where NULL); `valid` holds 0/1 per
    row for each column that has NULLs (numbers are 0 there); `file` is the Arrow file on the land."""
    rows: int
    columns: dict
    kinds: dict
    valid: dict
    file: LandRef


def unspill(value, land):
    """The value a spilled LandRef stands for (its file's size and hash checked); any other value as it is."""
    if not isinstance(value, LandRef) or value.media_type != SPILLED_VALUE_MEDIA_TYPE:
        return value
    if land is None:
        raise InvalidArgument(f"a value on the land ({value.path!r}), and no land here: QB_LAND is not set")
    data = _read_checked(land, value, "a spilled value")
    try:
        return json.loads(data)
    except ValueError as e:
        raise InvalidArgument(f"spilled value {value.path!r} is not JSON: {e}") from e


def _spill(text, land):
    """Writes a value's JSON text to the land under a fresh name (atomically); its LandRef."""
    data = text.encode()
    path = f"values/{uuid.uuid4()}.json"
    full = _land_file(land, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = f"{full}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            stamp = _stamp(os.fstat(f.fileno()))
        os.rename(tmp, full)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    field, digest = _digest(data)
    if field == "xxh128":
        return LandRef(path, len(data), "", SPILLED_VALUE_MEDIA_TYPE, stamp, digest)
    return LandRef(path, len(data), digest, SPILLED_VALUE_MEDIA_TYPE, stamp)


def _plain(o):
    if hasattr(o, "tolist"):  # numpy arrays and scalars
        return o.tolist()
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def encode(result, max_bytes=MAX_MESSAGE_BYTES, land=None):
    """The output as a Value; one over the message limit goes to the land (when there is one) as a spilled value."""
    if isinstance(result, LandRef):
        return Value(land=LandRefMsg(path=result.path, size=result.size, sha256=result.sha256, media_type=result.media_type, stamp=result.stamp,
                                     xxh128=result.xxh128))
    try:
        text = json.dumps(result, allow_nan=False, separators=(",", ":"), default=_plain)
    except (TypeError, ValueError) as e:
        raise CallFailure("FAILED", f"output is not JSON: {e}", retryable=False, type_name="OutputError") from e
    limit = max_bytes - 1024
    if len(text) * 3 > limit and len(text.encode()) > limit:
        if land is not None:
            return encode(_spill(text, land))
        raise CallFailure("RESOURCE_EXHAUSTED", f"output is {len(text.encode())} bytes, over the {max_bytes}-byte message limit, "
                          "and this worker has no land to move it to (QB_LAND is not set)", retryable=False, type_name="OutputError")
    return Value(json=text)


def _clip(s, n):
    return s if len(s) <= n else s[:n - 20] + f"... ({len(s) - n + 20} more)"


def error_message(code, message, retryable=None, details="", type_name=""):
    if retryable is None:
        retryable = _DEFAULT_RETRYABLE.get(code, False)
    return CallError(code="ERROR_CODE_" + code, message=_clip(message, _MAX_ERROR_MESSAGE), details=_clip(details, _MAX_ERROR_DETAILS),
                     retryable=retryable, type=type_name)


def error_of(exc):
    """Any exception as a CallError: a CallFailure keeps its code and flag; anything else is FAILED."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, CallFailure):
        return error_message(exc.code, str(exc), exc.retryable, details, exc.type_name)
    return error_message("FAILED", str(exc) or type(exc).__name__, getattr(exc, "retryable", None), details, type(exc).__name__)


def error_output(code, message, retryable=None, details="", type_name=""):
    return Output(error=error_message(code, message, retryable, details, type_name))


# ---- calls ----------------------------------------------------------------------------------

class _SignalQueue:
    __slots__ = ("values", "ended", "taken")

    def __init__(self):
        self.values = collections.deque()
        self.ended = False
        self.taken = 0  # values the method has taken (told to the quarterback in Awaiting.taken)


class Call:
    """The second argument of a method: the call's id, attempt, abort state, signals, pond and land."""

    def __init__(self, worker, call_id, method, attempt, held, deadline=None, session=None):
        self.id = call_id
        self.method = method
        self.attempt = attempt
        self.held = held
        self.aborted = threading.Event()
        self.reason = None          # "cancelled", "deadline", "shutdown" (or "protocol") once aborted
        self.land = worker.land     # the land directory (QB_LAND), or None
        self.deadline = deadline    # time.monotonic() value, or None
        self._worker = worker
        self._session = session     # None over Invoke
        self._cond = threading.Condition()
        self._ended = False         # the call was answered; what the method does afterwards is dropped
        self._abort = None          # (code, retryable, message) once aborted
        self._queues = {}
        self._rounds = 0            # signal values taken, all names (Yielded.round, Awaiting.round)
        self._on_abort = []
        self._timer = None
        self._pending_progress = None
        self._progress_timer = None
        self._last_progress = 0.0

    # -- for methods --

    def check(self):
        """Raise Aborted when the call should stop."""
        if self._abort is not None:
            raise Aborted(*self._abort)

    def time_remaining(self):
        """Seconds until the call's deadline, or None when it has none."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def signal(self, name):
        """The next value of signal `name` (held methods). Waits when none is queued, after telling
        the quarterback (Awaiting); raises SignalEndedError once the signal has ended, Aborted
        when the call is cancelled, passes its deadline or the worker stops."""
        name = str(name)
        if not self.held:
            raise NotHeldError(self.method)
        with self._cond:
            q = self._queues.setdefault(name, _SignalQueue())
            if not q.values and not q.ended and self._abort is None:
                self._send_locked(awaiting=Awaiting(signal=name, round=self._rounds, taken=q.taken))
                while not q.values and not q.ended and self._abort is None:
                    self._cond.wait()
            self.check()
            if q.values:
                q.taken += 1
                self._rounds += 1
                value = q.values.popleft()
            else:
                raise SignalEndedError(name)
        return unspill(value, self.land)

    def signals(self, name):
        """Every value of signal `name`, until the quarterback ends it."""
        while True:
            try:
                value = self.signal(name)
            except SignalEndedError:
                return
            yield value

    def progress(self, fraction, message=""):
        """Over Session, a Progress message (coalesced: at most one per 50 ms, the latest wins).
        An Invoke has no way back for it: there it is dropped."""
        if self._session is None:
            return
        f = float(fraction) if isinstance(fraction, (int, float)) and math.isfinite(fraction) else -1.0
        with self._cond:
            if self._ended:
                return
            self._pending_progress = (min(f, 1.0), _clip(str(message), _MAX_PROGRESS_MESSAGE))
            wait = self._last_progress + PROGRESS_INTERVAL_S - time.monotonic()
            if wait <= 0:
                self._flush_progress_locked()
            elif self._progress_timer is None:
                self._progress_timer = threading.Timer(wait, self._flush_progress)
                self._progress_timer.daemon = True
                self._progress_timer.start()

    def pond_query(self, sql, params=None, batch_size=1000):
        """Every row of a pond query as a list of dicts (`:name` parameters bound from `params`)."""
        rows = []
        for batch in self.pond_batches(sql, params, batch_size):
            rows.extend(batch)
        return rows

    def pond_batches(self, sql, params=None, batch_size=1000):
        """The rows of a pond query, one list of dicts per batch. Asks the quarterback's callback
        service (QB_CALLBACK), waiting for it to be up; cancelled with the call."""
        stub = self._worker.pond_stub()
        request = PondQueryRequest(sql=sql, params_json=json.dumps(params or {}), batch_size=batch_size, call_id=self.id,
                                   worker=self._worker.identity, replica=self._worker.replica)
        self.check()
        rpc = stub(request, wait_for_ready=True, timeout=self.time_remaining(), metadata=self._worker.auth.metadata())
        with self._cond:
            self._on_abort.append(rpc.cancel)
        if self._abort is not None:
            rpc.cancel()
        try:
            for batch in rpc:
                yield json.loads(batch.rows_json)
        except grpc.RpcError as e:
            self.check()  # cancelled with its call: the call's own error
            refused = e.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
            raise PondQueryError(f"pond query failed: {e.details() or e.code().name}", retryable=not refused) from e
        finally:
            with self._cond:
                self._on_abort.remove(rpc.cancel)

    def pond_columns(self, sql, params=None):
        """A pond query's whole result as columns (a PondColumns): the quarterback writes it to the
        land as one Arrow file, read here with its size checked (the quarterback wrote it for this call). Needs QB_LAND."""
        if self.land is None:
            raise PondQueryError("pond columns come as a file on the land, and this worker has no land (QB_LAND)", retryable=False)
        stub = self._worker.pond_columns_stub()
        request = PondQueryRequest(sql=sql, params_json=json.dumps(params or {}), call_id=self.id,
                                   worker=self._worker.identity, replica=self._worker.replica)
        self.check()
        future = stub.future(request, wait_for_ready=True, timeout=self.time_remaining(), metadata=self._worker.auth.metadata())
        with self._cond:
            self._on_abort.append(future.cancel)
        if self._abort is not None:
            future.cancel()
        try:
            reply = future.result()
        except (grpc.RpcError, grpc.FutureCancelledError) as e:
            self.check()  # cancelled with its call: the call's own error
            code = e.code() if isinstance(e, grpc.RpcError) else grpc.StatusCode.CANCELLED
            refused = code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
            details = e.details() if isinstance(e, grpc.RpcError) else ""
            raise PondQueryError(f"pond query failed: {details or code.name}", retryable=not refused) from e
        finally:
            with self._cond:
                self._on_abort.remove(future.cancel)
        ref = LandRef(reply.file.path, reply.file.size, reply.file.sha256, reply.file.media_type, "", reply.file.xxh128)
        # written by the quarterback for this query and named in its answer: the size is checked, not the hash again
        rows, columns, kinds, valid = _qb_arrow().read_columns(_read_checked(self.land, ref, "pond columns", check_hash=False))
        # the file was made for this query alone and is in memory now: the land does not keep it
        try:
            os.remove(_land_file(self.land, ref.path))
        except OSError:
            pass
        return PondColumns(rows, columns, kinds, valid, ref)

    def land_path(self, *parts):
        """The absolute path of `parts` under the land; refuses paths that leave it (also through symlinks)."""
        if self.land is None:
            raise CallFailure("FAILED", "no land here: the worker was started without QB_LAND", retryable=False)
        root = os.path.realpath(self.land)
        path = os.path.realpath(os.path.join(root, *parts))
        if path != root and not path.startswith(root + os.sep):
            raise InvalidArgument(f"land path {os.path.join(*parts)!r} leaves the land")
        return path

    # -- driven by the transport --

    def abort(self, reason, message=None, notify=True):
        """End the call with `reason` (cancelled, deadline, shutdown, protocol): set call.aborted, wake
        call.signal(), cancel pond queries; over Session answer the error at once (unless `notify`
        is false: nobody is left to tell)."""
        with self._cond:
            if self._abort is not None:
                return
            code, retryable, default = _ABORTS[reason]
            self._abort = (code, message or default, retryable)
            self.reason = reason
            self.aborted.set()
            self._cond.notify_all()
            cancels = list(self._on_abort)
            if self._session is not None and not self._ended:
                self._end_locked(SessionOut(call_id=self.id, error=error_message(code, message or default, retryable, type_name="Aborted"))
                                 if notify else None)
        for cancel in cancels:
            cancel()

    def deliver(self, name, value, end):
        """A signal from the quarterback; ignored when the call is not held or has ended."""
        if not self.held:
            return
        with self._cond:
            if self._ended:
                return
            q = self._queues.setdefault(name, _SignalQueue())
            if end:
                q.ended = True
            else:
                q.values.append(value)
            self._cond.notify_all()

    def _start_session(self, fn, value, timeout_s):
        if timeout_s is not None:
            self._timer = threading.Timer(min(timeout_s, threading.TIMEOUT_MAX),
                                          self.abort, ("deadline", f"deadline exceeded ({round(timeout_s * 1000)} ms)"))
            self._timer.daemon = True
            self._timer.start()
        threading.Thread(target=self._run_session, args=(fn, value), daemon=True, name=f"call {self.id}").start()

    def _run_session(self, fn, value):
        started = time.perf_counter()  # the result says how long the method ran (worker_ms)
        try:
            out = fn(unspill(value, self.land), self)
            if self.held and inspect.isgenerator(out):
                out = self._run_held(out)
            message = SessionOut(call_id=self.id, result=encode(out, self._worker.max_message_bytes, self.land), worker_ms=_ms_since(started))
        except Exception as e:  # a failing call is an error answer, never a dead worker
            message = SessionOut(call_id=self.id, error=error_of(e), worker_ms=_ms_since(started))
        finally:
            self._worker.release(self)
        with self._cond:
            if not self._ended:
                self._end_locked(message)

    def _run_held(self, gen):
        while True:
            try:
                out = next(gen)
            except StopIteration as stop:
                return stop.value
            if self._ended:  # cancelled meanwhile: let the generator run its finally blocks, then stop
                gen.close()
                return None
            try:
                value = encode(out, self._worker.max_message_bytes, self.land)
            except CallFailure:
                gen.close()
                raise
            with self._cond:
                self._send_locked(yielded=Yielded(value=value, round=self._rounds))

    def _send_locked(self, **msg):
        if not self._ended and self._session is not None:
            self._session.send(SessionOut(call_id=self.id, **msg))

    def _end_locked(self, terminal):
        self._ended = True
        for t in (self._timer, self._progress_timer):
            if t is not None:
                t.cancel()
        self._session.call_ended(self, terminal)

    def _flush_progress(self):
        with self._cond:
            self._flush_progress_locked()

    def _flush_progress_locked(self):
        self._progress_timer = None
        if self._pending_progress is None or self._ended:
            return
        fraction, message = self._pending_progress
        self._pending_progress = None
        self._last_progress = time.monotonic()
        self._send_locked(progress=Progress(fraction=fraction, message=message))

    def _on_rpc_done(self):
        # an Invoke's RPC ended: normally (answered), or because the caller cancelled / the deadline passed
        if not self._ended:
            left = self.time_remaining()
            self.abort("deadline" if left is not None and left <= DEADLINE_SLACK_S else "cancelled")


def _ms_since(started):
    """Milliseconds since `started` (a time.perf_counter() value), for worker_ms."""
    return (time.perf_counter() - started) * 1000.0


# ---- Session: many calls on one stream ------------------------------------------------------

# Batched frames (docs/worker-protocol.md, "Batched frames"): what is queued when the gRPC
# thread sends goes as one frame, up to this many messages and about this many bytes.
BATCH_ITEMS = 512
BATCH_BYTES = 128 * 1024


class _Session:
    """One Session stream: a reader thread takes SessionIn messages (a frame may carry a batch of
    them); calls put SessionOut messages on a queue that the gRPC thread sends, several per frame
    when the caller's metadata asks for batches. Ends with OK once the caller half-closed and
    every call answered; when the stream breaks, every live call is aborted."""

    def __init__(self, worker, requests, context):
        self.worker = worker
        self.out = queue.SimpleQueue()
        self.calls = {}             # call id -> Call, until its terminal message
        self.lock = threading.Lock()
        self.input_ended = False
        self.closed = False
        self.context = context
        self.batches = dict(context.invocation_metadata()).get("qb-session-batches") == "1"
        worker.sessions.add(self)
        if not context.add_callback(self.broken):  # runs when the RPC is over, however it ended
            self.broken()
        threading.Thread(target=self._read, args=(requests,), daemon=True, name="session reader").start()

    def responses(self):
        while True:
            message = self.out.get()
            if message is None:
                return
            if not self.batches:
                yield message
                continue
            # what else is queued already goes in the same frame
            batch, size, ended = [message], message.ByteSize(), False
            while len(batch) < BATCH_ITEMS and size < BATCH_BYTES:
                try:
                    more = self.out.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    ended = True
                    break
                batch.append(more)
                size += more.ByteSize()
            yield batch[0] if len(batch) == 1 else SessionOut(batch=batch)
            if ended:
                return

    def send(self, message):
        if not self.closed:
            self.out.put(message)

    def call_ended(self, call, terminal):
        """`call` answered (terminal is its result or error; None when nobody is left to tell)."""
        with self.lock:
            if self.calls.get(call.id) is call:
                del self.calls[call.id]
            if terminal is not None and not self.closed:
                self.out.put(terminal)
            self._maybe_end_locked()

    def end(self):
        """Ends the stream with status OK (shutdown: the calls were answered first)."""
        with self.lock:
            self._close_locked()

    def broken(self, close=True):
        """The stream broke (or is over): every live call is cancelled, with nobody left to tell."""
        with self.lock:
            if close:
                self._close_locked()
            calls, self.calls = list(self.calls.values()), {}
        for call in calls:
            call.abort("cancelled", "the session stream closed", notify=False)

    def _maybe_end_locked(self):
        if self.input_ended and not self.calls:
            self._close_locked()

    def _close_locked(self):
        if not self.closed:
            self.closed = True
            self.out.put(None)
            self.worker.sessions.discard(self)

    def _refuse(self, call_id, code, message, type_name="ProtocolError"):
        self.send(SessionOut(call_id=call_id, error=error_message(code, message, type_name=type_name)))

    def _read(self, requests):
        try:
            for frame in requests:
                for message in _messages_of(frame):
                    try:
                        self._on_message(message)
                    except Exception as e:  # a bug of ours answers that message, and the stream goes on
                        traceback.print_exc()
                        self._refuse(message.call_id, "INTERNAL", f"the worker failed on this message: {e}", type(e).__name__)
        except Exception:  # the stream broke: cancelled, connection lost, oversized message
            self.broken()
            return
        if not self.context.is_active():
            # gRPC ended the stream itself (a message that did not decode) and looks like a
            # half-close here: cancel the calls, but end the responses only once the RPC is over
            # (the callback), as grpcio would otherwise send a second status and never finish the RPC
            self.broken(close=False)
            return
        with self.lock:
            self.input_ended = True
            self._maybe_end_locked()

    def _live(self, call_id):
        with self.lock:
            return self.calls.get(call_id)

    def _on_message(self, message):
        call_id, kind = message.call_id, message.WhichOneof("msg")
        if kind == "start":
            self._start(call_id, message.start)
        elif kind == "signal":
            call, s = self._live(call_id), message.signal
            if call is None:
                return  # the call has ended (or never was): ignored
            if s.end:
                return call.deliver(s.name, None, True)
            try:
                value = decode(s.value)
            except CallFailure as e:  # the method cannot be given it: the call fails
                return call.abort("protocol", f"signal {json.dumps(s.name)}: {e}")
            call.deliver(s.name, value, False)
        elif kind == "cancel":
            call = self._live(call_id)
            if call is not None:
                call.abort("cancelled", f"cancelled: {message.cancel.reason}" if message.cancel.reason else None)
        elif self._live(call_id) is None:
            self._refuse(call_id, "PROTOCOL", "empty Session message: set one of start, signal, cancel")

    def _start(self, call_id, start):
        if not call_id:
            return self._refuse(call_id, "PROTOCOL", "start without a call id")
        if self._live(call_id) is not None:
            return self._refuse(call_id, "PROTOCOL", f"call id {json.dumps(call_id)} is already live on this session; the live call goes on")
        if not start.method:
            return self._refuse(call_id, "PROTOCOL", "start without a method")
        timeout_s = start.timeout_ms / 1000 if start.timeout_ms > 0 else None
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            fn, call = self.worker.admit(call_id, start.method, start.attempt, "session", deadline, self)
        except CallFailure as e:
            return self.send(SessionOut(call_id=call_id, error=error_message(e.code, str(e), e.retryable, type_name=e.type_name)))
        try:
            value = decode(start.input)
        except CallFailure as e:
            self.worker.release(call)
            return self.send(SessionOut(call_id=call_id, error=error_of(e)))
        with call._cond:
            if call._ended:  # aborted before it was live (shutdown): already answered
                return self.worker.release(call)
            with self.lock:
                self.calls[call_id] = call
        call._start_session(fn, value, timeout_s)


def _messages_of(frame):
    """The messages a frame carries, in order: its own (if it has one), then its batch's."""
    if not frame.batch:
        yield frame
        return
    if frame.call_id or frame.WhichOneof("msg"):
        yield frame
    for message in frame.batch:
        yield from _messages_of(message)


# ---- authentication (docs/remote-workers.md) ---------------------------------------------------

class InsecureTransportError(Exception):
    """The worker was told to listen on, or report to, a network address without TLS."""


class AuthConfigError(Exception):
    """QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY or QB_TOKEN_FILE is incomplete or unreadable."""


MIN_TOKEN_LENGTH = 16


def _host_of(address):
    """The host of a gRPC address (host:port, [v6]:port), or None for a unix socket."""
    if address.startswith("unix:") or address.startswith("unix-abstract:"):
        return None
    rest = address[len("dns:"):] if address.startswith("dns:") else address
    if rest.startswith("["):
        return rest[1:rest.index("]")] if "]" in rest else rest
    return rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest


def is_loopback(address):
    """Whether only this host reaches `address`: a unix socket, 127.0.0.0/8, ::1 or localhost."""
    import ipaddress
    host = _host_of(address)
    if host is None or host.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost: not resolved here, so not trusted to be local
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class _Auth:
    """The worker's TLS files and token (QB_TLS_CA, QB_TLS_CERT, QB_TLS_KEY, QB_TOKEN_FILE)."""

    def __init__(self, env):
        names = ("QB_TLS_CA", "QB_TLS_CERT", "QB_TLS_KEY")
        given = [n for n in names if (env.get(n) or "").strip()]
        self.ca = self.cert = self.key = None
        if given and len(given) < 3:
            missing = [n for n in names if n not in given]
            raise AuthConfigError(f"TLS needs a CA, a certificate and its key: {' and '.join(given)} set but not {' nor '.join(missing)}")
        if given:
            self.ca, self.cert, self.key = (self._read(env[n].strip(), n) for n in names)
        self.token = None
        token_file = (env.get("QB_TOKEN_FILE") or "").strip()
        if token_file:
            token = self._read(token_file, "QB_TOKEN_FILE").decode("utf-8", "replace").strip()
            if len(token) < MIN_TOKEN_LENGTH or not all(0x21 <= ord(c) <= 0x7e for c in token):
                raise AuthConfigError(f"QB_TOKEN_FILE {token_file}: a token is one line of at least {MIN_TOKEN_LENGTH} printable ASCII characters")
            self.token = token

    @staticmethod
    def _read(path, name):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise AuthConfigError(f"{name} {path}: cannot read it: {e.strerror}") from e

    @property
    def tls(self):
        return self.ca is not None

    def check(self, what, address, side):
        """Raises InsecureTransportError for a network address without TLS (a token alone would travel in clear text)."""
        if self.tls or is_loopback(address):
            return
        verb = "listen on" if side == "listen" else "connect to"
        why = ("a token without TLS would cross the network in clear text" if self.token else
               "anyone who can reach it could call it" if side == "listen" else "the data would cross the network in clear text")
        raise InsecureTransportError(
            f"{what} refuses to {verb} {address} without TLS: it is not a loopback address, and {why}. To fix: set QB_TLS_CA, "
            f"QB_TLS_CERT and QB_TLS_KEY (`qb certs DIR --host NAME` makes them; docs/remote-workers.md), or use 127.0.0.1:PORT or a unix: socket")

    def server_credentials(self, address):
        if not self.tls or address.startswith("unix:"):
            return None
        return grpc.ssl_server_credentials([(self.key, self.cert)], root_certificates=self.ca, require_client_auth=True)

    def channel(self, address, options):
        if not self.tls or address.startswith("unix:"):
            return grpc.insecure_channel(address, options=options)
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(self.ca, self.key, self.cert), options=options)

    def metadata(self):
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()


class _TokenInterceptor(grpc.ServerInterceptor):
    """Ends every call without `authorization: Bearer <token>` as UNAUTHENTICATED, before its handler."""

    def __init__(self, token):
        import hashlib
        self._digest = hashlib.sha256(token.encode()).digest()

    def intercept_service(self, continuation, details):
        import hashlib
        import hmac
        values = [v for k, v in (details.invocation_metadata or ()) if k == "authorization"]
        if not values:
            refusal = "this server needs a token: send `authorization: Bearer <token>` metadata (give the caller QB_TOKEN_FILE)"
        elif len(values) > 1 or not values[0].startswith("Bearer "):
            refusal = "the authorization metadata is not one `Bearer <token>`"
        else:
            given = hashlib.sha256(values[0][len("Bearer "):].encode()).digest()
            refusal = None if hmac.compare_digest(given, self._digest) else "the token is not the one this server was given"
        if refusal is None:
            return continuation(details)
        handler = continuation(details)

        def deny(request_or_iterator, context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, refusal)

        if handler is None:
            return None
        if handler.request_streaming and handler.response_streaming:
            return grpc.stream_stream_rpc_method_handler(deny)
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(deny)
        return grpc.unary_unary_rpc_method_handler(deny)


# ---- the worker -----------------------------------------------------------------------------

class _Worker:
    def __init__(self, methods, name, version, max_concurrent_calls, max_message_bytes):
        self.methods = methods      # name -> (fn, held, description)
        self.name = name
        self.version = version
        self.max_calls = max_concurrent_calls
        self.max_message_bytes = max_message_bytes
        self.identity = os.environ.get("QB_WORKER_NAME") or name
        replica = os.environ.get("QB_REPLICA", "0")
        self.replica = int(replica) if replica.isdigit() else 0
        self.land = os.environ.get("QB_LAND") or None
        self.callback = os.environ.get("QB_CALLBACK") or None
        self.auth = _Auth(os.environ)
        self.live = set()           # calls whose method has not returned (each holds a call slot)
        self.sessions = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.sleep_aborts = OrderedDict()
        self._pond_stub = None
        self._pond_columns_stub = None
        self._pond_channel = None

    def admit(self, call_id, name, attempt, via, deadline, session=None):
        """(fn, Call) holding a call slot, or raises CallFailure saying why the call cannot start."""
        with self.lock:
            if self.stopping:
                raise CallFailure("UNAVAILABLE", "the worker is shutting down", type_name="UnavailableError")
            entry = self.methods.get(name)
            if entry is None:
                raise CallFailure("UNKNOWN_METHOD", f"unknown method {name!r}; this worker serves: {', '.join(sorted(self.methods))}",
                                  type_name="UnknownMethod")
            fn, held, _ = entry
            if held and via == "invoke":
                raise InvalidArgument(f"method {name!r} is held (it may yield and await signals): call it over Session, not Invoke")
            if len(self.live) >= self.max_calls:
                raise CallFailure("RESOURCE_EXHAUSTED", f"all {self.max_calls} call slots are busy", retryable=True, type_name="CapacityError")
            call = Call(self, call_id, name, attempt, held, deadline, session)
            self.live.add(call)
        return fn, call

    def release(self, call):
        with self.lock:
            self.live.discard(call)

    def pond_stub(self):
        if self.callback is None:
            raise PondQueryError("no pond here: the worker was started without QB_CALLBACK (the quarterback serves the pond)", retryable=False)
        with self.lock:
            if self._pond_stub is None:
                channel = self._pond_channel = self.auth.channel(self.callback, [("grpc.max_receive_message_length", -1)])
                self._pond_stub = channel.unary_stream("/quarterback.v1.Quarterback/PondQuery", request_serializer=PondQueryRequest.SerializeToString,
                                                       response_deserializer=PondRows.FromString)
            return self._pond_stub

    def pond_columns_stub(self):
        self.pond_stub()  # the same checks, and the channel
        with self.lock:
            if self._pond_columns_stub is None:
                self._pond_columns_stub = self._pond_channel.unary_unary(
                    "/quarterback.v1.Quarterback/PondColumns", request_serializer=PondQueryRequest.SerializeToString,
                    response_deserializer=PondColumnsReply.FromString)
            return self._pond_columns_stub

    # -- the RPCs --

    def invoke(self, request, context):
        left = context.time_remaining()
        # grpcio gives a call without a deadline a huge time remaining, not None: passed on as
        # the timeout of a pond query, that overflowed into an instant DEADLINE_EXCEEDED
        deadline = None if left is None or left > 10 * 365 * 86400 else time.monotonic() + left
        try:
            fn, call = self.admit(request.call_id, request.method, request.attempt, "invoke", deadline)
        except CallFailure as e:
            return Output(error=error_message(e.code, str(e), e.retryable, type_name=e.type_name))
        if not context.add_callback(call._on_rpc_done):
            call._on_rpc_done()  # the RPC has already ended
        started = time.perf_counter()  # the answer says how long the method ran (worker_ms)
        try:
            result = fn(unspill(decode(request.input), self.land), call)
            call.check()
            return Output(result=encode(result, self.max_message_bytes, self.land), worker_ms=_ms_since(started))
        except Exception as e:  # one bad call never takes the worker down
            return Output(error=error_of(e), worker_ms=_ms_since(started))
        finally:
            call._ended = True
            self.release(call)

    def describe(self, request, context):
        return DescribeResponse(name=self.name, version=self.version, max_concurrent_calls=self.max_calls, session=True,
                                max_message_bytes=self.max_message_bytes, sdk=SDK, reads_spilled_values=self.land is not None,
                                session_batches=True,
                                methods=[MethodInfo(name=n, held=held, description=d) for n, (_, held, d) in self.methods.items()])

    def session(self, requests, context):
        return _Session(self, requests, context).responses()

    def health(self, request, context):
        status = "NOT_SERVING" if self.stopping else "SERVING"
        if request.service not in ("", "quarterback.v1.Worker"):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return HealthCheckResponse(status=status)

    def stop_calls(self):
        """Shutdown: refuse new calls, answer every live call UNAVAILABLE and set call.aborted, end the streams."""
        with self.lock:
            self.stopping = True
            live = list(self.live)
        for call in live:
            call.abort("shutdown")
        for session in list(self.sessions):
            session.end()

    # -- conformance methods (docs/worker-protocol.md, "Conformance methods") --

    def conformance(self):
        def echo(value, call):
            """returns its input"""
            return value

        def fail(value, call):
            """raises an error with the given message"""
            message = value.get("message") if isinstance(value, dict) else None
            raise RuntimeError(message if isinstance(message, str) else "qb.fail was called")

        def sleep(value, call):
            """waits ms milliseconds unless aborted; records aborts by tag"""
            ms = value.get("ms") if isinstance(value, dict) else None
            if not isinstance(ms, (int, float)) or isinstance(ms, bool) or not 0 <= ms <= 3_600_000:
                raise InvalidArgument("qb.sleep: ms must be a number from 0 to 3600000")
            if call.aborted.wait(ms / 1000):
                tag = value.get("tag")
                if isinstance(tag, str):
                    self.sleep_aborts[tag] = call.reason if call.reason in ("deadline", "shutdown") else "cancelled"
                    while len(self.sleep_aborts) > 10_000:
                        self.sleep_aborts.popitem(last=False)
                call.check()
            return {"slept": ms}

        def aborted(value, call):
            """whether the qb.sleep call with this tag saw its abort signal"""
            tag = value.get("tag") if isinstance(value, dict) else None
            if not isinstance(tag, str):
                raise InvalidArgument("qb.aborted: tag must be a string")
            reason = self.sleep_aborts.get(tag)
            return {"aborted": reason is not None, "reason": reason}

        def held(value, call):
            """held: yields, awaits signal "next", keeps a running count and total"""
            rounds = value.get("rounds", 2) if isinstance(value, dict) else 2
            if not isinstance(rounds, int) or isinstance(rounds, bool) or not 0 <= rounds <= 1000:
                raise InvalidArgument("qb.held: rounds must be an integer from 0 to 1000")
            nonce, count, total, received = str(uuid.uuid4()), 0, 0, []  # this call's memory, carried across signals
            for _ in range(rounds):
                count += 1
                yield {"nonce": nonce, "count": count, "total": total}
                v = call.signal("next")
                received.append(v)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    total += v
            return {"nonce": nonce, "yields": count, "signals": len(received), "total": total, "received": received}

        return {"qb.echo": echo, "qb.fail": fail, "qb.sleep": sleep, "qb.aborted": aborted, "qb.held": held}


def held(fn):
    """Marks a method that is not a generator function as held (it takes signals but yields nothing)."""
    fn.qb_held = True
    return fn


def _describe_method(fn):
    doc = (inspect.getdoc(fn) or "").strip()
    return fn, inspect.isgeneratorfunction(fn) or getattr(fn, "qb_held", False), doc.splitlines()[0] if doc else ""


def _unary(fn, request_class, response_class):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=request_class.FromString,
                                               response_serializer=response_class.SerializeToString)


def serve(methods, name=None, version="", conformance=True, max_concurrent_calls=MAX_CONCURRENT_CALLS, max_message_bytes=MAX_MESSAGE_BYTES):
    """Serve `methods` ({name: fn(value, call)}; a generator function is a held method) on
    QB_LISTEN until SIGTERM; never returns."""
    try:
        worker = _Worker({}, name or os.environ.get("QB_WORKER_NAME") or "python-worker", version, max_concurrent_calls, max_message_bytes)
    except AuthConfigError as e:
        sys.exit(f"qb_worker: {e}")
    table = dict(methods)
    if conformance:
        table.update(worker.conformance())
    worker.methods = {n: _describe_method(fn) for n, fn in table.items()}
    options = [("grpc.max_receive_message_length", max_message_bytes), ("grpc.max_send_message_length", max_message_bytes)]
    listen = os.environ.get("QB_LISTEN") or "127.0.0.1:0"
    # refused before anything listens: a network address without TLS, either way
    try:
        worker.auth.check(f"worker {worker.identity!r}", listen, "listen")
        if worker.callback:
            worker.auth.check(f"worker {worker.identity!r} (its callback client, QB_CALLBACK)", worker.callback, "dial")
    except InsecureTransportError as e:
        sys.exit(f"qb_worker: {e}")
    interceptors = [_TokenInterceptor(worker.auth.token)] if worker.auth.token else []
    # Invoke calls run on the server's threads (at most max_concurrent_calls), and each open Session holds one
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_concurrent_calls + 64), options=options, interceptors=interceptors)
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("quarterback.v1.Worker", {
            "Invoke": _unary(worker.invoke, Input, Output),
            "Describe": _unary(worker.describe, DescribeRequest, DescribeResponse),
            "Session": grpc.stream_stream_rpc_method_handler(worker.session, request_deserializer=SessionIn.FromString,
                                                             response_serializer=SessionOut.SerializeToString),
        }),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": _unary(worker.health, HealthCheckRequest, HealthCheckResponse)}),
    ))
    credentials = worker.auth.server_credentials(listen)
    port = server.add_secure_port(listen, credentials) if credentials else server.add_insecure_port(listen)
    if port == 0 and not listen.startswith("unix:"):
        sys.exit(f"cannot listen on {listen}")
    address = listen if listen.startswith("unix:") else f"{listen.rsplit(':', 1)[0]}:{port}"
    server.start()
    # QB_HEALTH_LISTEN: health and nothing else, without TLS or token, for Kubernetes' gRPC probes
    health_listen = os.environ.get("QB_HEALTH_LISTEN")
    if health_listen:
        health_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        health_server.add_generic_rpc_handlers((
            grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": _unary(worker.health, HealthCheckRequest, HealthCheckResponse)}),
        ))
        if health_server.add_insecure_port(health_listen) == 0 and not health_listen.startswith("unix:"):
            sys.exit(f"cannot listen on {health_listen} (QB_HEALTH_LISTEN)")
        health_server.start()

    def on_signal(signum, frame):
        if worker.stopping:
            os._exit(1)
        worker.stop_calls()           # every in-flight call sees call.aborted and answers UNAVAILABLE
        server.stop(grace=2)          # lets those answers go out, then closes

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"QB_LISTENING {address}", flush=True)
    server.wait_for_termination()
    if listen.startswith("unix:"):
        try:
            os.unlink(listen[len("unix:"):])
        except OSError:
            pass
    sys.exit(0)
