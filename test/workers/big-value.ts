/**
 * A worker for the large-value tests (test/run-large-values.test.ts): values far over the
 * message limit, made and checked here, so nothing big crosses a test's own pipes.
 *
 *   make({mb, seed})   {seed, chunks}: chunks of 100,000 characters, `mb` million in all,
 *                      the same for the same seed (digestOf below says what they hash to)
 *   digest(value)      {bytes, sha256, pid} of value.chunks joined (value as a whole input)
 *   digestIn({v})      the same for v (an input the quarterback built around the value)
 *   forge({v})         a spilled value whose reference does not match its file
 *   grow({mbs, seed})  held: for each size, awaits signal "go" and yields make's value
 * BIG_VALUE_LIMIT sets its message limit (bytes; default 4 MiB), so a test can spill small values.
 */
import { createHash } from "node:crypto";
import { LandRef, SPILLED_VALUE_MEDIA_TYPE, serveWorker, type CallContext } from "quarterback/worker";

const CHUNK = 100_000;

function make(input: { mb: number; seed: number }): { seed: number; chunks: string[] } {
  const chunks: string[] = [];
  const n = Math.round((input.mb * 1_000_000) / CHUNK);
  for (let i = 0; i < n; i++) chunks.push(String.fromCharCode(97 + ((input.seed + i) % 26)).repeat(CHUNK - 8) + String(i).padStart(8, "0"));
  return { seed: input.seed, chunks };
}

function digest(value: { chunks: string[] }): { bytes: number; sha256: string; pid: number } {
  const hash = createHash("sha256");
  let bytes = 0;
  for (const c of value.chunks) {
    hash.update(c);
    bytes += c.length;
  }
  return { bytes, sha256: hash.digest("hex"), pid: process.pid };
}

await serveWorker(
  {
    make,
    digest: (value: { chunks: string[] }) => digest(value),
    digestIn: (input: { v: { chunks: string[] } }) => digest(input.v),
    grow: async function* (input: { mbs: number[]; seed: number }, ctx: CallContext) {
      for (const [i, mb] of input.mbs.entries()) {
        await ctx.signal("go");
        yield make({ mb, seed: input.seed + i });
      }
    },
    forge: async (input: { v: unknown }, ctx: CallContext) => {
      const ref = await ctx.land.writeFile("values/forged.json", JSON.stringify(input.v), { mediaType: SPILLED_VALUE_MEDIA_TYPE });
      return new LandRef(ref.path, ref.size, "0".repeat(64), ref.mediaType);
    },
  },
  { name: "big-value", version: "1.0.0", ...(process.env.BIG_VALUE_LIMIT ? { maxMessageBytes: Number(process.env.BIG_VALUE_LIMIT) } : {}) },
);
