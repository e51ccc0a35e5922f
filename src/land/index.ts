/** The land: the pod's shared scratch directory, land references, path safety. */
export { Land, type WriteOptions } from "./land.js";
export { LandRef, isLandRef, mediaTypeFor } from "./ref.js";
export { LandPathError, LandRefMismatchError, LandUnavailableError, type LandPathProblem } from "./errors.js";
export { normalizeLandPath, resolveInLand } from "./safe-path.js";
export { sha256Bytes, sha256File } from "./hash.js";
export { DEFAULT_DIGEST, type DigestKind } from "./digest.js";
export { writeTypedArray, readTypedArray, mediaTypeOf, type ElementType, type TypedArray } from "./typed-arrays.js";
export { writeArrowTable, readArrowTable, writeFloat64Columns, readFloat64Columns, ARROW_FILE_MEDIA_TYPE, type ArrowColumns } from "./arrow.js";
export { SPILLED_VALUE_MEDIA_TYPE, SPILLED_VALUE_FOLDER, isSpilledValue, spillValue, readSpilledValue, SpilledValueError } from "./spilled-value.js";
