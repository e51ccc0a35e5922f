/**
 * The files globs listed in this run, and their content digests, computed when a call's
 * input first names one (most listed files are read by a worker anyway; a file no call
 * names is never read here). A file that cannot be read has no digest: a call naming it
 * is sent without a key (and its worker reports why it cannot read it).
 */
import { digestFile } from "../../land/digest.js";
import type { Json } from "../../ir/types.js";
import { filesIn } from "./call-key.js";

export class FileDigests {
  private readonly listed = new Map<string, Promise<string | undefined> | undefined>();
  /** Digests known so far, by absolute path. */
  readonly known = new Map<string, string>();

  /** Records a file a glob yielded (an absolute path). */
  add(path: string): void {
    if (!this.listed.has(path)) this.listed.set(path, undefined);
  }

  get size(): number {
    return this.listed.size;
  }

  /**
   * The digests of the listed files `input` names, all known once it resolves; false when
   * one could not be read. Synchronous (undefined) when the input names none.
   */
  prepare(input: Json): Promise<boolean> | undefined {
    if (this.listed.size === 0) return undefined;
    const named = filesIn(input, this.listed);
    if (named.size === 0) return undefined;
    return Promise.all([...named].map((p) => this.digest(p))).then((ds) => ds.every((d) => d !== undefined));
  }

  private digest(path: string): Promise<string | undefined> {
    let p = this.listed.get(path);
    if (p === undefined) {
      p = digestFile(path, "sha256").then(
        ({ digest: d }) => {
          this.known.set(path, d);
          return d;
        },
        () => undefined,
      );
      this.listed.set(path, p);
    }
    return p;
  }
}
