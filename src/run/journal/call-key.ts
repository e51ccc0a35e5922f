/**
 * The key of a finished call in the journal: what must be equal for a call's output to be
 * reused instead of sending the call again. It covers the step, the worker's name and its
 * version (from Describe), the method, and the call's whole input in canonical form:
 * object keys sorted, a land reference by its content (its XXH128 or SHA-256, size, media
 * type: not its path or stamp), and a file a glob listed by its content (SHA-256 of its bytes: not its path or
 * mtime), a list a `gather` made by the set of its items (its order is the order calls
 * finished in). Everything else is compared as the JSON it is. No run id, no time, no order
 * of arrival: an unchanged rerun finds every key.
 */
import { hash } from "node:crypto";
import type { Json } from "../../ir/types.js";
import { digestIdentity } from "../../land/digest.js";
import { isLandRef } from "../../land/ref.js";
import { toValue } from "../../pod/item-values.js";
import { arrivalOrdered } from "../../runtime/stream-stages.js";

/** Bumped whenever the canonical form changes: keys of older journals then never match. */
const KEY_FORMAT = "qb-call-key-1";

export interface CallIdentity {
  step: string;
  worker: string;
  /** The worker's version from Describe. */
  version: string;
  method: string;
}

/** Content digests of the files globs listed, by absolute path (filled before keying). */
export type FileDigests = ReadonlyMap<string, string>;

/** The input as canonical text: equal for inputs that key alike. */
export function canonicalInput(input: Json, files: FileDigests): string {
  const v = toValue(input);
  if (isLandRef(v)) return `land:${digestIdentity(v)}:${v.size}:${JSON.stringify(v.mediaType)}`;
  return canonical(input, files);
}

function canonical(v: Json, files: FileDigests): string {
  if (v === null || typeof v !== "object") {
    if (typeof v === "string" && files.size > 0) {
      const digest = files.get(v);
      if (digest !== undefined) return `file:${digest}`;
    }
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, files));
    // a gather's list in any order is the same input: its order is when calls finished
    if (arrivalOrdered.has(v)) items.sort();
    return `[${items.join(",")}]`;
  }
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k]!, files)}`).join(",")}}`;
}

/** The strings of `input` that name a file in `listed` (a glob's files), each once. */
export function filesIn(input: Json, listed: ReadonlySet<string> | ReadonlyMap<string, unknown>, out: Set<string> = new Set()): Set<string> {
  if (typeof input === "string") {
    if (listed.has(input)) out.add(input);
  } else if (Array.isArray(input)) {
    for (const x of input) filesIn(x, listed, out);
  } else if (input !== null && typeof input === "object") {
    for (const k in input) filesIn(input[k]!, listed, out);
  }
  return out;
}

export function callKey(id: CallIdentity, input: Json, files: FileDigests): string {
  // the one-shot hash: a third of createHash's cost per call, which a 100,000-call run feels
  return hash("sha256", `${KEY_FORMAT}\0${id.step}\0${id.worker}\0${id.version}\0${id.method}\0${canonicalInput(input, files)}`, "base64url");
}
