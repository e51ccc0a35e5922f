#!/usr/bin/python3
"""A complete minimal Quarterback worker in one file: Invoke + health, one method.

    word_count({"text": "..."}) -> {"words": N}

Needs only grpcio and protobuf (Debian: python3-grpcio). No generated code: the few
messages Invoke uses are declared below with the field numbers of worker.proto.
Run:  QB_LISTEN=127.0.0.1:0 /usr/bin/python3 minimal.py
"""
import json
import os
import signal
import traceback
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, message_factory

T = descriptor_pb2.FieldDescriptorProto


def add_message(file, name, fields, oneof=None):
    """fields: (name, number, T.TYPE_*[, ".package.TypeName" for messages and enums])."""
    m = file.message_type.add(name=name)
    if oneof:
        m.oneof_decl.add(name=oneof)  # every field of these small messages is in the oneof
    for fname, number, ftype, *type_name in fields:
        f = m.field.add(name=fname, number=number, label=T.LABEL_OPTIONAL, type=ftype)
        if type_name:
            f.type_name = type_name[0]
        if oneof:
            f.oneof_index = 0


qb = descriptor_pb2.FileDescriptorProto(name="quarterback/v1/worker.proto", package="quarterback.v1", syntax="proto3")
codes = qb.enum_type.add(name="ErrorCode")
for n, code in enumerate(["UNSPECIFIED", "FAILED", "UNKNOWN_METHOD", "INVALID_ARGUMENT"]):
    codes.value.add(name="ERROR_CODE_" + code, number=n)
add_message(qb, "LandRef", [("path", 1, T.TYPE_STRING), ("size", 2, T.TYPE_UINT64), ("sha256", 3, T.TYPE_STRING), ("media_type", 4, T.TYPE_STRING)])
add_message(qb, "Value", [("json", 1, T.TYPE_STRING), ("land", 2, T.TYPE_MESSAGE, ".quarterback.v1.LandRef")], oneof="kind")
add_message(qb, "CallError", [("code", 1, T.TYPE_ENUM, ".quarterback.v1.ErrorCode"), ("message", 2, T.TYPE_STRING), ("details", 3, T.TYPE_STRING),
                              ("retryable", 4, T.TYPE_BOOL), ("type", 5, T.TYPE_STRING)])
add_message(qb, "Input", [("method", 1, T.TYPE_STRING), ("input", 2, T.TYPE_MESSAGE, ".quarterback.v1.Value"), ("call_id", 3, T.TYPE_STRING), ("attempt", 4, T.TYPE_UINT32)])
add_message(qb, "Output", [("result", 1, T.TYPE_MESSAGE, ".quarterback.v1.Value"), ("error", 2, T.TYPE_MESSAGE, ".quarterback.v1.CallError")], oneof="outcome")

hp = descriptor_pb2.FileDescriptorProto(name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3")
status = hp.enum_type.add(name="ServingStatus")  # nested in HealthCheckResponse in health.proto; same bytes
for n, name in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING"]):
    status.value.add(name=name, number=n)
add_message(hp, "HealthCheckRequest", [("service", 1, T.TYPE_STRING)])
add_message(hp, "HealthCheckResponse", [("status", 1, T.TYPE_ENUM, ".grpc.health.v1.ServingStatus")])

msgs = message_factory.GetMessages([qb, hp])
Value, CallError, Input, Output = (msgs["quarterback.v1." + n] for n in ("Value", "CallError", "Input", "Output"))
HealthCheckRequest, HealthCheckResponse = msgs["grpc.health.v1.HealthCheckRequest"], msgs["grpc.health.v1.HealthCheckResponse"]


def word_count(value):
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise ValueError("word_count expects {\"text\": string}")
    return {"words": len(value["text"].split())}


METHODS = {"word_count": word_count}


def error(code, message, retryable, details=""):
    return Output(error=CallError(code=code, message=message, retryable=retryable, details=details))


def invoke(request, context):
    method = METHODS.get(request.method)
    if method is None:
        return error("ERROR_CODE_UNKNOWN_METHOD", f"unknown method {request.method!r}", False)
    try:
        value = json.loads(request.input.json) if request.input.WhichOneof("kind") == "json" else None
    except ValueError as e:
        return error("ERROR_CODE_INVALID_ARGUMENT", f"input is not JSON: {e}", False)
    try:
        return Output(result=Value(json=json.dumps(method(value))))
    except Exception as e:  # a failing call is an error result, never a dead worker
        return error("ERROR_CODE_FAILED", str(e), False, traceback.format_exc())


def check(request, context):
    return HealthCheckResponse(status="SERVING")


def unary(fn, req, res):
    return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=req.FromString, response_serializer=res.SerializeToString)


server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
server.add_generic_rpc_handlers((
    grpc.method_handlers_generic_handler("quarterback.v1.Worker", {"Invoke": unary(invoke, Input, Output)}),
    grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": unary(check, HealthCheckRequest, HealthCheckResponse)}),
))
listen = os.environ.get("QB_LISTEN", "127.0.0.1:0")
# plain gRPC only: refuse an address other hosts could reach (qb_worker.py serves TLS and tokens)
host = listen.rsplit(":", 1)[0].strip("[]")
if not (listen.startswith("unix:") or host in ("localhost", "::1") or host.startswith("127.")):
    raise SystemExit(f"minimal.py: refusing to listen on {listen} without TLS: use 127.0.0.1:PORT or a unix: socket")
port = server.add_insecure_port(listen)
server.start()
signal.signal(signal.SIGTERM, lambda *_: server.stop(grace=2))  # finish in-flight calls, then exit 0
print("QB_LISTENING", listen if listen.startswith("unix:") else f"{listen.rsplit(':', 1)[0]}:{port}", flush=True)
server.wait_for_termination()
