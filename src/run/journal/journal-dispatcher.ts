/**
 * The journal's seam: a Dispatcher around the pod's. Every call that finishes is appended
 * to the run's journal under its key (call-key.ts); with a journal of an earlier run to
 * resume, a call whose key is in it is not sent: its recorded output is answered at once,
 * as if the worker had just returned it (and recorded again, so that this run's journal
 * is complete too). Held calls pass through: their state lived in memory, they start over.
 */
import { constants, copyFileSync, linkSync, lstatSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Json } from "../../ir/types.js";
import { isLandRef, LandRef } from "../../land/ref.js";
import { normalizeLandPath } from "../../land/safe-path.js";
import { toJson, toValue } from "../../pod/item-values.js";
import type { CallAbout, CallRequest, Dispatcher, HeldHandle, HeldRequest } from "../../runtime/dispatcher.js";
import { callKey } from "./call-key.js";
import type { FileDigests } from "./file-digests.js";
import type { JournalContents, JournalRecord, JournalWriter } from "./journal-file.js";

export interface JournalCounts {
  /** Calls answered from the resumed run's journal. */
  reused: number;
  /** Calls sent to workers that finished (and were journaled). */
  recorded: number;
  /** Calls sent without a key (a file they name could not be read). */
  unkeyed: number;
}

export interface JournalDispatcherOptions {
  writer: JournalWriter;
  /** The journal of the run being resumed. */
  previous?: JournalContents;
  /** The worker's version, from its Describe. */
  versionOf(worker: string): string;
  files: FileDigests;
  /** The land of this run. */
  land: string;
  /** The land of the resumed run: a reused land reference's file is linked from there into this run's land. */
  previousLand?: string;
}

export class JournalDispatcher implements Dispatcher {
  readonly counts: JournalCounts = { reused: 0, recorded: 0, unkeyed: 0 };
  readonly hold?: (request: HeldRequest) => Promise<HeldHandle>;
  readonly about?: (worker: string, replica: number, callId: string) => CallAbout | undefined;

  constructor(
    private readonly inner: Dispatcher,
    private readonly options: JournalDispatcherOptions,
  ) {
    if (inner.hold) this.hold = (r) => inner.hold!(r);
    if (inner.about) this.about = (w, r, c) => inner.about!(w, r, c);
  }

  get reportsPlacement(): boolean | undefined {
    return this.inner.reportsPlacement;
  }

  call(req: CallRequest): Promise<Json> {
    const ready = this.options.files.prepare(req.input);
    if (ready === undefined) return this.keyed(req, this.keyOf(req));
    return ready.then((ok) => {
      if (ok) return this.keyed(req, this.keyOf(req));
      this.counts.unkeyed++;
      return this.inner.call(req);
    });
  }

  private keyOf(req: CallRequest): string {
    return callKey(
      { step: req.step ?? "", worker: req.worker, version: this.options.versionOf(req.worker), method: req.method },
      req.input,
      this.options.files.known,
    );
  }

  private keyed(req: CallRequest, key: string): Promise<Json> {
    const hit = this.options.previous?.records.get(key);
    if (hit) {
      const output = this.reuse(hit.record);
      if (output !== undefined) {
        this.options.writer.append(hit.line);
        this.counts.reused++;
        req.reused?.();
        return Promise.resolve(output);
      }
    }
    return this.inner.call(req).then((out) => {
      this.options.writer.append(recordLine(key, req.step ?? "", out));
      this.counts.recorded++;
      return out;
    });
  }

  /**
   * The recorded output, or undefined when it is a land file that cannot be had as recorded.
   * The file is hard-linked from the resumed run's land (copied across file systems): only
   * files reused outputs refer to come along, so nothing a worker appends to in this run's
   * land changes the earlier run's. It must be a plain file of the recorded size; a
   * journal's path never leads out of either land.
   */
  private reuse(r: JournalRecord): Json | undefined {
    if (r.l === undefined) return r.o!;
    try {
      const rel = normalizeLandPath(r.l.path).split("/");
      const here = landFile(this.options.land, rel, r.l.size);
      // a file of this run's land that is not the recorded one is this run's: it is never replaced
      if (here === "other") return undefined;
      if (here === "none") {
        if (this.options.previousLand === undefined) return undefined;
        if (landFile(this.options.previousLand, rel, r.l.size) !== "file") return undefined;
        const there = join(this.options.previousLand, ...rel);
        const target = join(this.options.land, ...rel);
        mkdirSync(dirname(target), { recursive: true });
        try {
          linkSync(there, target);
        } catch {
          // never over a file that appeared meanwhile
          copyFileSync(there, target, constants.COPYFILE_EXCL);
        }
      }
    } catch {
      return undefined;
    }
    return toJson(new LandRef(r.l.path, r.l.size, r.l.sha256 ?? "", r.l.mediaType, undefined, r.l.xxh128));
  }
}

function recordLine(k: string, s: string, out: Json): string {
  const v = toValue(out);
  // the same text as JSON.stringify({k, s, o}) without the object (a key is base64url)
  return isLandRef(v) ? JSON.stringify({ k, s, l: v.toJSON() }) : `{"k":"${k}","s":${JSON.stringify(s)},"o":${JSON.stringify(out)}}`;
}

/**
 * What `rel` names under the land `root`: "file" when it is a plain file of `size` bytes
 * reached through real folders only (a symlink on the way could lead out of the land),
 * "none" when nothing is there yet (the folders there are real ones), else "other".
 */
function landFile(root: string, rel: readonly string[], size: number): "file" | "none" | "other" {
  let path = root;
  for (let i = 0; i < rel.length; i++) {
    path = join(path, rel[i]!);
    let s;
    try {
      s = lstatSync(path);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ENOENT" ? "none" : "other";
    }
    const last = i === rel.length - 1;
    if (last ? !(s.isFile() && s.size === size) : !s.isDirectory()) return "other";
  }
  return "file";
}
