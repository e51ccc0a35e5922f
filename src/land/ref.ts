/**
 * A land reference: bulk data left in the pod's shared scratch directory, passed between
 * workers by name instead of through gRPC. A value is a land reference only as a whole
 * (a call's input, result, yield or signal), never nested inside JSON.
 */
export class LandRef {
  constructor(
    /** Relative to the land root, '/'-separated. */
    readonly path: string,
    /** Bytes. */
    readonly size: number,
    /** SHA-256 of the bytes, lowercase hex; "" when the writer gave its XXH128 instead. */
    readonly sha256: string,
    readonly mediaType: string,
    /**
     * The file as its writer left it (land/stamp.ts): a reader whose file still has it need
     * not hash it again. Not part of the reference's identity: `toJSON`, items and resume
     * keys leave it out, and a reference without one is checked in full.
     */
    readonly stamp?: string,
    /** XXH3-128 of the bytes, 32 lowercase hex digits (digest.ts): what our SDKs write. */
    readonly xxh128?: string,
  ) {}

  toJSON(): LandRefJson {
    return {
      path: this.path,
      size: this.size,
      ...(this.sha256 ? { sha256: this.sha256 } : {}),
      ...(this.xxh128 ? { xxh128: this.xxh128 } : {}),
      mediaType: this.mediaType,
    };
  }
}

/** A reference as JSON (a `$land` item, a journal line): it carries at least one of the two hashes. */
// a type, not an interface: it must fit Json's index signature
export type LandRefJson = {
  path: string;
  size: number;
  sha256?: string;
  xxh128?: string;
  mediaType: string;
};

export function isLandRef(v: unknown): v is LandRef {
  return v instanceof LandRef;
}

const MEDIA_TYPES: Record<string, string> = {
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".txt": "text/plain",
  ".json": "application/json",
  ".jsonl": "application/x-ndjson",
  ".ndjson": "application/x-ndjson",
  ".parquet": "application/vnd.apache.parquet",
  ".arrow": "application/vnd.apache.arrow.file",
  ".f64": "application/x-float64-le",
  ".bin": "application/octet-stream",
};

/** A media type guessed from the file name; application/octet-stream when unknown. */
export function mediaTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  if (dot <= slash + 1) return "application/octet-stream";
  return MEDIA_TYPES[path.slice(dot).toLowerCase()] ?? "application/octet-stream";
}
