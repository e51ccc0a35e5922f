/**
 * Typed arrays on the land: raw little-endian bytes, one file per array, the element type
 * in the media type (`application/x-float64-le`, ...), so a reader knows what it holds.
 */
import { LandPathError } from "./errors.js";
import type { Land } from "./land.js";
import type { LandRef } from "./ref.js";
import type { DigestKind } from "./digest.js";

const TYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

export type ElementType = keyof typeof TYPES;
export type TypedArray = InstanceType<(typeof TYPES)[ElementType]>;

export function mediaTypeOf(type: ElementType): string {
  return `application/x-${type}-le`;
}

function elementTypeOf(array: TypedArray): ElementType {
  for (const [name, ctor] of Object.entries(TYPES)) if (array instanceof ctor) return name as ElementType;
  throw new TypeError("not a supported typed array");
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes `array` to `path` under the land and returns its reference. */
export async function writeTypedArray(land: Land, path: string, array: TypedArray, options: { digest?: DigestKind } = {}): Promise<LandRef> {
  if (!littleEndian) throw new Error("typed arrays on the land are little-endian; this machine is not");
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return land.writeFile(path, bytes, { mediaType: mediaTypeOf(elementTypeOf(array)), ...options });
}

/** Reads a typed array back, checking the reference's size, hash and element type. */
export async function readTypedArray<T extends ElementType>(land: Land, ref: LandRef, type: T): Promise<InstanceType<(typeof TYPES)[T]>> {
  if (ref.mediaType !== mediaTypeOf(type)) {
    throw new LandPathError(ref.path, "mismatch", `land file ${JSON.stringify(ref.path)} holds ${ref.mediaType}, not ${mediaTypeOf(type)}`);
  }
  const data = await land.readFile(ref);
  const ctor = TYPES[type];
  if (data.byteLength % ctor.BYTES_PER_ELEMENT !== 0)
    throw new LandPathError(ref.path, "mismatch", `land file ${JSON.stringify(ref.path)} is not a whole number of ${type} elements`);
  // a big file comes back in memory of its own: view it in place; a small one may be a
  // slice of Node's shared pool at any offset, so it is copied into a buffer of its own
  if (data.byteOffset % ctor.BYTES_PER_ELEMENT === 0 && data.byteLength === data.buffer.byteLength) {
    return new ctor(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength / ctor.BYTES_PER_ELEMENT) as InstanceType<(typeof TYPES)[T]>;
  }
  const aligned = new ArrayBuffer(data.byteLength);
  new Uint8Array(aligned).set(data);
  return new ctor(aligned) as InstanceType<(typeof TYPES)[T]>;
}
