/**
 * gRPC service definitions straight from protobufjs, in place of @grpc/proto-loader's
 * `loadSync`: it builds a reflection descriptor of every message and encodes every file as
 * a FileDescriptorProto, for server reflection we do not serve. That cost each process
 * ~15 ms of its startup (and ~6 ms more to load protobufjs's descriptor extension), on the
 * path from `qb run` to its first call; grpc-js keeps proto-loader out of its own startup
 * for the same reason. The codec is proto-loader's, with the same conversion options:
 * `fromObject` then `encode` to write, `decode` then `toObject` to read
 * (src/proto/service-definition.test.ts checks both against proto-loader's).
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import protobuf from "protobufjs";

/** How messages map to JavaScript objects (proto-loader's options of the same names); src/proto/messages.ts is typed to match. */
export const CONVERSION: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

/** Parses .proto files the way proto-loader does with `keepCase: false`: field names in camelCase, imports from `includeDir`. */
export function parseProtos(files: string[], includeDir: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : `${includeDir}/${target}`);
  root.loadSync(files, { keepCase: false });
  root.resolveAll();
  return root;
}

/** The definition of service `name` (fully qualified, e.g. "quarterback.v1.Worker") for grpc-js servers and clients. */
export function serviceDefinition(root: protobuf.Root, name: string): ServiceDefinition {
  const service = root.lookupService(name);
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    const entry: MethodDefinition<object, object> = {
      path: `/${name}/${method.name}`,
      requestStream: !!method.requestStream,
      responseStream: !!method.responseStream,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
    definition[method.name] = entry;
  }
  return definition;
}

function serializer(type: protobuf.Type): (value: object) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`cannot serialize an array as ${type.fullName.slice(1)}`);
    // protobufjs writes into a Buffer under Node
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializer(type: protobuf.Type): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), CONVERSION);
}
