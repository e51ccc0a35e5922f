/**
 * The quarterback's side of spilled values (land/spilled-value.ts), on real processes of
 * test/workers/big-value.ts with a message limit of 256 KiB (chunks are 100 KB): an answer over it comes back
 * as the value; passed on whole it goes as the same reference, while an input built around
 * it is written to the land once more; a held call's spilled and inline yields keep their
 * order; a spilled answer whose file does not match fails its call, not retryable.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Json } from "../ir/types.js";
import { call, flow, podOptions } from "../../test/support/local-pod.js";
import { ROOT } from "../../test/support/examples.js";
import { ReplicaCallError } from "./errors.js";
import { LocalPod } from "./local-pod.js";

const BIG = `node ${ROOT}/test/workers/big-value.js`;
const dir = mkdtempSync(join(tmpdir(), "qb-pod-spill-"));
const options = podOptions(dir);
let pod: LocalPod;
// a pod per test, started and closed in each test's own hooks: code run in beforeAll/afterAll
// belongs to no test, so `npm run mutate` would count its mutants as static (run by every test)
beforeEach(async () => {
  pod = await LocalPod.start(flow([{ name: "b", run: BIG, env: { BIG_VALUE_LIMIT: String(256 * 1024) } }]), options);
});
afterEach(() => pod?.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Made = { seed: number; chunks: string[] };
const spilled = (): string[] => (existsSync(join(options.land, "values")) ? readdirSync(join(options.land, "values")) : []);
const sha = (v: Made): string => createHash("sha256").update(v.chunks.join("")).digest("hex");

describe("a value over the worker's message limit", () => {
  it("comes back as the value; passed on whole it is the same reference; an input built around it is spilled again", async () => {
    const before = spilled().length;
    const made = (await call(pod, "b", "make", { mb: 0.6, seed: 1 })) as Made;
    expect(made.chunks).toHaveLength(6);
    expect(made.seed).toBe(1);
    expect(spilled()).toHaveLength(before + 1);
    expect(await call(pod, "b", "digest", made)).toMatchObject({ bytes: 600_000, sha256: sha(made) });
    expect(spilled()).toHaveLength(before + 1);
    expect(await call(pod, "b", "digestIn", { v: made })).toMatchObject({ bytes: 600_000, sha256: sha(made) });
    expect(spilled()).toHaveLength(before + 2);
  }, 30_000);

  it("yielded by a held call, reaches the step in order with the inline yields around it", async () => {
    const yields: Array<[Json, number]> = [];
    const h = await pod.hold({
      step: "g",
      worker: "b",
      method: "grow",
      input: { mbs: [0.6, 0.1, 0.5, 0.1], seed: 2 },
      attempt: 1,
      signal: new AbortController().signal,
      onYield: (v, round) => void yields.push([v, round]),
      onAwaiting: () => undefined,
    });
    // all four signals at once: the small yields come while the big ones are still read
    for (let i = 0; i < 4; i++) h.signal("go", i);
    await h.result;
    expect(yields.map(([v, round]) => [(v as Made).seed, (v as Made).chunks.length, round])).toEqual([
      [2, 6, 1],
      [3, 1, 2],
      [4, 5, 3],
      [5, 1, 4],
    ]);
  }, 30_000);

  it("fails its call, not retryable, when the file is not the reference's", async () => {
    const e = await call(pod, "b", "forge", { v: [1, 2, 3] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReplicaCallError);
    expect((e as ReplicaCallError).retryable).toBe(false);
    expect((e as Error).message).toContain('the value it answered through the land ("values/forged.json") could not be read');
    expect((e as Error).message).toContain("does not match its reference: sha256");
  });
});
