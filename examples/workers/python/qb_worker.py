"""A small Quarterback worker library for Python: Invoke + grpc.health.v1, no build step.

It needs only Debian's python3-grpcio and python3-protobuf (pulled in by python3-grpcio):
the messages of proto/quarterback/v1/worker.proto that Invoke uses are built here at run
time from descriptors, so there is no protoc/grpcio-tools step. (With grpcio-tools you could
generate worker_pb2.py from the .proto instead; the bytes on the wire are the same.)

    from qb_worker import serve, InvalidArgument

    def double(value, call):
        return 2 * value

    serve({"double": double}, name="doubler")

A method gets the input (decoded JSON, or a LandRef) and a Call; it returns the output
(anything json.dumps accepts, or a LandRef) or raises. `call.aborted` is a threading.Event
set when the caller cancels, the deadline passes, or the worker shuts down; long methods
should check it. The conformance methods qb.echo, qb.fail, qb.sleep and qb.aborted are
served too (docs/worker-protocol.md), so `qb worker test` can check the worker.
"""

import json
import os
import signal
import sys
import threading
import traceback
from collections import OrderedDict
from concurrent import futures
from dataclasses import dataclass

import grpc
from google.protobuf import descriptor_pb2, message_factory

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# a cancel that lands this close to the deadline is the deadline (the caller's clock fires first)
DEADLINE_SLACK_S = 0.05

# ---- messages, built from descriptors (the same numbers and types as worker.proto) ---------

_F = descriptor_pb2.FieldDescriptorProto
_TYPES = {"string": _F.TYPE_STRING, "bool": _F.TYPE_BOOL, "uint32": _F.TYPE_UINT32, "uint64": _F.TYPE_UINT64, "double": _F.TYPE_DOUBLE}


def _message(file, name, fields, oneofs=()):
    m = file.message_type.add(name=name)
    for o in oneofs:
        m.oneof_decl.add(name=o)
    for fname, number, ftype, *oneof in fields:
        f = m.field.add(name=fname, number=number, label=_F.LABEL_OPTIONAL)
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
    _message(worker, "LandRef", [("path", 1, "string"), ("size", 2, "uint64"), ("sha256", 3, "string"), ("media_type", 4, "string")])
    _message(worker, "Value", [("json", 1, "string", "kind"), ("land", 2, "quarterback.v1.LandRef", "kind")], oneofs=["kind"])
    _message(worker, "CallError", [("code", 1, "enum quarterback.v1.ErrorCode"), ("message", 2, "string"), ("details", 3, "string"),
                                   ("retryable", 4, "bool"), ("type", 5, "string")])
    _message(worker, "Input", [("method", 1, "string"), ("input", 2, "quarterback.v1.Value"), ("call_id", 3, "string"), ("attempt", 4, "uint32")])
    _message(worker, "Output", [("result", 1, "quarterback.v1.Value", "outcome"), ("error", 2, "quarterback.v1.CallError", "outcome")],
             oneofs=["outcome"])

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
Value = _classes["quarterback.v1.Value"]
LandRefMsg = _classes["quarterback.v1.LandRef"]
CallError = _classes["quarterback.v1.CallError"]
Input = _classes["quarterback.v1.Input"]
Output = _classes["quarterback.v1.Output"]
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
    """Bulk data on the land: a path relative to QB_LAND, its size, sha256 and media type."""
    path: str
    size: int
    sha256: str
    media_type: str = "application/octet-stream"


class CallFailure(Exception):
    """Raise to end a call with a chosen error code (e.g. "INVALID_ARGUMENT") and retryable flag."""

    def __init__(self, code, message, retryable=None):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class InvalidArgument(CallFailure):
    def __init__(self, message):
        super().__init__("INVALID_ARGUMENT", message, retryable=False)


class Aborted(CallFailure):
    """Raised by Call.check(): the call was cancelled, passed its deadline, or the worker is stopping."""


_ABORTS = {  # reason -> (code, retryable, message)
    "cancelled": ("CANCELLED", False, "cancelled by the caller"),
    "deadline": ("DEADLINE_EXCEEDED", True, "deadline exceeded"),
    "shutdown": ("UNAVAILABLE", True, "the worker is shutting down"),
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
        return LandRef(ref.path, ref.size, ref.sha256, ref.media_type or "application/octet-stream")
    return None


def encode(result):
    if isinstance(result, LandRef):
        return Value(land=LandRefMsg(path=result.path, size=result.size, sha256=result.sha256, media_type=result.media_type))
    return Value(json=json.dumps(result, allow_nan=False, separators=(",", ":")))


def error_output(code, message, retryable=None, details="", type_name=""):
    if retryable is None:
        retryable = _DEFAULT_RETRYABLE.get(code, False)
    return Output(error=CallError(code="ERROR_CODE_" + code, message=message, details=details, retryable=retryable, type=type_name))


# ---- calls ----------------------------------------------------------------------------------

class Call:
    """The second argument of a method: the call's id, attempt and abort state."""

    def __init__(self, context, request):
        self.id = request.call_id
        self.attempt = request.attempt
        self.method = request.method
        self.aborted = threading.Event()
        self.reason = None
        self.finished = False
        self._context = context
        context.add_callback(self._on_rpc_done)

    def abort(self, reason):
        if self.reason is None:
            self.reason = reason
        self.aborted.set()

    def check(self):
        """Raise Aborted when the call should stop."""
        if self.aborted.is_set():
            code, retryable, message = _ABORTS[self.reason]
            raise Aborted(code, message, retryable)

    def time_remaining(self):
        return self._context.time_remaining()

    def _on_rpc_done(self):
        # the RPC ended: normally (finished), or because the caller cancelled / the deadline passed
        if not self.finished:
            left = self._context.time_remaining()
            self.abort("deadline" if left is not None and left <= DEADLINE_SLACK_S else "cancelled")


class _Worker:
    def __init__(self, methods, name):
        self.methods = methods
        self.name = name
        self.live = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.sleep_aborts = OrderedDict()

    def invoke(self, request, context):
        if self.stopping:
            return error_output("UNAVAILABLE", "the worker is shutting down")
        method = self.methods.get(request.method)
        if method is None:
            return error_output("UNKNOWN_METHOD", f"unknown method {request.method!r}; this worker serves: {', '.join(sorted(self.methods))}",
                                type_name="UnknownMethod")
        call = Call(context, request)
        with self.lock:
            self.live.add(call)
        try:
            value = decode(request.input)
            result = method(value, call)
            call.check()
        except CallFailure as e:
            return error_output(e.code, str(e), e.retryable, traceback.format_exc(), type(e).__name__)
        except Exception as e:  # one bad call never takes the worker down
            return error_output("FAILED", str(e) or type(e).__name__, None, traceback.format_exc(), type(e).__name__)
        else:
            try:
                return Output(result=encode(result))
            except (TypeError, ValueError) as e:
                return error_output("FAILED", f"result is not JSON: {e}", False, traceback.format_exc(), type(e).__name__)
        finally:
            call.finished = True
            with self.lock:
                self.live.discard(call)

    def health(self, request, context):
        status = "NOT_SERVING" if self.stopping else "SERVING"
        if request.service not in ("", "quarterback.v1.Worker"):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return HealthCheckResponse(status=status)

    def stop_calls(self):
        self.stopping = True
        with self.lock:
            for call in list(self.live):
                call.abort("shutdown")

    # -- conformance methods (docs/worker-protocol.md, "Conformance methods") --

    def conformance(self):
        def echo(value, call):
            return value

        def fail(value, call):
            message = value.get("message") if isinstance(value, dict) else None
            raise RuntimeError(message if isinstance(message, str) else "qb.fail was called")

        def sleep(value, call):
            ms = value.get("ms") if isinstance(value, dict) else None
            if not isinstance(ms, (int, float)) or isinstance(ms, bool) or not 0 <= ms <= 3_600_000:
                raise InvalidArgument("qb.sleep: ms must be a number from 0 to 3600000")
            if call.aborted.wait(ms / 1000):
                tag = value.get("tag")
                if isinstance(tag, str):
                    self.sleep_aborts[tag] = call.reason
                    while len(self.sleep_aborts) > 10_000:
                        self.sleep_aborts.popitem(last=False)
                call.check()
            return {"slept": ms}

        def aborted(value, call):
            tag = value.get("tag") if isinstance(value, dict) else None
            if not isinstance(tag, str):
                raise InvalidArgument("qb.aborted: tag must be a string")
            reason = self.sleep_aborts.get(tag)
            return {"aborted": reason is not None, "reason": reason}

        return {"qb.echo": echo, "qb.fail": fail, "qb.sleep": sleep, "qb.aborted": aborted}


def _unary(fn, request_class, response_class):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=request_class.FromString,
                                               response_serializer=response_class.SerializeToString)


def serve(methods, name=None, conformance=True, max_workers=64):
    """Serve `methods` ({name: fn(value, call)}) on QB_LISTEN until SIGTERM; never returns."""
    table = dict(methods)
    worker = _Worker(table, name or os.environ.get("QB_WORKER_NAME") or "python-worker")
    if conformance:
        table.update(worker.conformance())
    options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES), ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers), options=options)
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("quarterback.v1.Worker", {"Invoke": _unary(worker.invoke, Input, Output)}),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": _unary(worker.health, HealthCheckRequest, HealthCheckResponse)}),
    ))
    listen = os.environ.get("QB_LISTEN") or "127.0.0.1:0"
    port = server.add_insecure_port(listen)
    if port == 0 and not listen.startswith("unix:"):
        sys.exit(f"cannot listen on {listen}")
    address = listen if listen.startswith("unix:") else f"{listen.rsplit(':', 1)[0]}:{port}"
    server.start()

    def on_signal(signum, frame):
        if worker.stopping:
            os._exit(1)
        worker.stop_calls()          # every in-flight call sees call.aborted and answers UNAVAILABLE
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
