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
    /** SHA-256 of the bytes, lowercase hex. */
    readonly sha256: string,
    readonly mediaType: string,
    /**
     * The file as its writer left it (land/stamp.ts): a reader whose file still has it need
     * not hash it again. Not part of the reference's identity: `toJSON`, items and resume
     * keys leave it out, and a reference without one is checked in full.
     */
    readonly stamp?: string,
  ) {}

  toJSON(): { path: string; size: number; sha256: string; mediaType: string } {
    return { path: this.path, size: this.size, sha256: this.sha256, mediaType: this.mediaType };
  }
}

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
