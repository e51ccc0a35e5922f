/**
 * The worker of bench/land-ref: makes a Float64Array in memory, hands it on either as a land
 * reference (writeTypedArray) or inline (a JSON array of numbers, the only inline encoding
 * of the protocol), and sums an array it is given either way.
 *
 *   make {id, n, seed}   builds n pseudo-random doubles in [0, 1) (not timed by the bench);
 *                        answers {n, sum}
 *   sendRef {id, path, digest?}
 *                        writes it to the land, hashed with digest (xxh128, the default,
 *                        or sha256); answers the land reference
 *   sendInline {id}      answers it inline, as a JSON array
 *   sum (ref | array)    reads a land reference (size, hash and element type checked)
 *                        or takes the array; answers {n, sum}
 *   drop {id}            forgets it
 *
 * Large messages are the point, so its message limit is raised (QB_BENCH_MAX_MESSAGE_BYTES).
 * It exits when the process that started it is gone.
 *
 * Run: node bench/workers/land.js   (the .js launcher runs this file through tsx)
 */
import { InvalidArgumentError, LandRef, readTypedArray, serveWorker, writeTypedArray, type CallContext, type Value } from "quarterback/worker";

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 500).unref();

const arrays = new Map<string, Float64Array<ArrayBuffer>>();

function held(input: Value): Float64Array<ArrayBuffer> {
  const id = (input as { id?: unknown } | null)?.id;
  const a = typeof id === "string" ? arrays.get(id) : undefined;
  if (!a) throw new InvalidArgumentError(`no array ${JSON.stringify(id)}`);
  return a;
}

// one function per kind of array: a loop that sees both turns megamorphic and slows both
function sumTyped(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

function sumArray(a: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

await serveWorker(
  {
    make: {
      description: "builds a Float64Array of n pseudo-random doubles in memory",
      handler: (input: Value) => {
        const { id, n, seed } = input as { id: string; n: number; seed: number };
        if (typeof id !== "string" || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError("make {id, n, seed}");
        const a = new Float64Array(n);
        // xorshift32: the same numbers for the same seed, full-precision doubles (~18 digits in JSON)
        let x = seed >>> 0 || 1;
        for (let i = 0; i < n; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          x >>>= 0;
          a[i] = x / 4294967296 + i * 1e-12;
        }
        arrays.set(id, a);
        return { n, sum: sumTyped(a) };
      },
    },
    sendRef: {
      description: "writes the array to the land and answers its reference",
      handler: (input: Value, ctx: CallContext) => {
        const { path, digest } = input as { path: string; digest?: "xxh128" | "sha256" };
        return writeTypedArray(ctx.land, path, held(input), digest ? { digest } : {});
      },
    },
    sendInline: {
      description: "answers the array inline, as a JSON array of numbers",
      handler: (input: Value) => Array.from(held(input)),
    },
    sum: {
      description: "sums an array given as a land reference or inline",
      handler: async (input: Value, ctx: CallContext) => {
        if (input instanceof LandRef) {
          const a = await readTypedArray(ctx.land, input, "float64");
          return { n: a.length, sum: sumTyped(a) };
        }
        if (!Array.isArray(input)) throw new InvalidArgumentError("sum takes a land reference or an array of numbers");
        return { n: input.length, sum: sumArray(input as number[]) };
      },
    },
    drop: {
      description: "forgets an array",
      handler: (input: Value) => {
        arrays.delete((input as { id: string }).id);
        return null;
      },
    },
  },
  { name: "land-bench", version: "0.1.0", conformance: false, maxMessageBytes: Number(process.env.QB_BENCH_MAX_MESSAGE_BYTES ?? 4 * 1024 * 1024) },
);
