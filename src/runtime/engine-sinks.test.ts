/** Where a run's items go (emit, land, pond) and the sources the run is given (pond rows, files). */
import { describe, expect, it } from "vitest";
import { compile } from "../dsl/compile.js";
import type { FlowIR, Json } from "../ir/types.js";
import { runEngine } from "./engine.js";
import { StepError } from "./errors.js";
import { fakeDispatcher } from "./fake-held.js";
import { compiled, sleep } from "./test-flows.js";

const ir = (text: string): FlowIR => compiled(compile(text));
const d = (): ReturnType<typeof fakeDispatcher> => fakeDispatcher({ dbl: (x) => 2 * x });

/** A writer that keeps what it was given, by path or table. */
function keeper(): { written: Record<string, Json[]>; write: (to: string, items: AsyncIterable<Json>) => Promise<void> } {
  const written: Record<string, Json[]> = {};
  return {
    written,
    write: async (to, items) => {
      const got: Json[] = (written[to] = []);
      for await (const v of items) got.push(v);
    },
  };
}

const INTO_LAND = `flow s() {\n  worker w { run "x" }\n  xs = [1, 2, 3] | w.dbl ordered\n  into land("out/xs.jsonl") xs\n}`;
const INTO_POND = `flow s() {\n  worker w { run "x" }\n  xs = [1, 2, 3] | w.dbl ordered\n  into pond.table("main.t") xs\n}`;

describe("runEngine sinks", () => {
  it.each<[string, string, Record<string, Json[]>, Record<string, Json[]>]>([
    ["the land through writeLand", INTO_LAND, { "out/xs.jsonl": [2, 4, 6] }, {}],
    ["a pond table through writePond", INTO_POND, {}, { "main.t": [2, 4, 6] }],
  ])("writes a step into %s, not into the result", async (_into, flow, toLand, toPond) => {
    const land = keeper();
    const pond = keeper();
    const r = await runEngine(ir(flow), { dispatcher: d(), writeLand: land.write, writePond: pond.write });
    expect(land.written).toEqual(toLand);
    expect(pond.written).toEqual(toPond);
    expect(r.result).toEqual({});
  });

  it.each<[string, string, { writeLand?: ReturnType<typeof keeper>["write"] }, string]>([
    ["`into land` in a run without a land, naming the step", INTO_LAND, {}, "step `xs`: this run has no land to write to"],
    [
      "`into pond.table` in a run without a pond, saying how to give one",
      INTO_POND,
      { writeLand: keeper().write },
      'step `xs`: into pond.table("main.t") needs a pond: start the run with --pond (or QB_POND)',
    ],
  ])("fails %s", async (_case, flow, given, message) => {
    const err = await runEngine(ir(flow), { dispatcher: d(), ...given }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).step).toBe("xs");
    expect((err as Error).message).toBe(message);
  });

  it("names the step and the table when the pond write fails, keeping the cause", async () => {
    const cause = new Error("disk full");
    const err = await runEngine(ir(INTO_POND), {
      dispatcher: d(),
      writePond: async (_table, items) => {
        for await (const _ of items) throw cause;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as Error).message).toBe("step `xs`: writing pond table `main.t`: disk full");
    expect((err as Error).cause).toBe(cause);
    // something thrown that is not an Error
    const odd = await runEngine(ir(INTO_POND), {
      dispatcher: d(),
      writePond: () => Promise.reject("no such schema"),
    }).catch((e: unknown) => e);
    expect((odd as Error).message).toBe("step `xs`: writing pond table `main.t`: no such schema");
    expect((odd as Error).cause).toBe("no such schema");
  });

  it("passes a step error of the pond writer on as it is", async () => {
    const own = new StepError("xs", "column `a` is a string in main.t");
    const err = await runEngine(ir(INTO_POND), {
      dispatcher: d(),
      writePond: async () => {
        throw own;
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(own);
  });

  it("emits, writes to the land and to the pond from one step, each reader getting every item", async () => {
    const f = ir(`flow s() {
  worker w { run "x" }
  xs = [1, 2, 3] | w.dbl ordered
  emit xs
  into land("out/xs.jsonl") xs
  into pond.table("main.t") xs
}`);
    const land = keeper();
    const pond = keeper();
    const r = await runEngine(f, { dispatcher: d(), writeLand: land.write, writePond: pond.write });
    expect(r.result).toEqual({ xs: [2, 4, 6] });
    expect(land.written).toEqual({ "out/xs.jsonl": [2, 4, 6] });
    expect(pond.written).toEqual({ "main.t": [2, 4, 6] });
  });
});

describe("runEngine sources given by the run", () => {
  it("reads a pond query through pondRows, with its parameters and the run's signal", async () => {
    const f = ir(`flow s() {\n  worker w { run "x" }\n  rows = pond("SELECT a FROM t WHERE b = :b", {b: 2}) | w.dbl ordered\n  emit rows\n}`);
    const asked: Array<[string, Record<string, Json>, boolean]> = [];
    const r = await runEngine(f, {
      dispatcher: d(),
      pondRows: async function* (sql, params, signal) {
        asked.push([sql, params, signal.aborted]);
        yield 1;
        await sleep(1);
        yield 5;
      },
    });
    expect(asked).toEqual([["SELECT a FROM t WHERE b = :b", { b: 2 }, false]]);
    expect(r.result.rows).toEqual([2, 10]);
  });

  it("lists files through globFiles, with the pattern and the root", async () => {
    const f = ir(`flow s() {\n  files = glob("*.txt", root: "/data")\n  emit files\n}`);
    const asked: Array<[string, string | null]> = [];
    const r = await runEngine(f, {
      dispatcher: d(),
      globFiles: async function* (pattern, root) {
        asked.push([pattern, root]);
        yield { path: "a.txt", file: "/data/a.txt", size: 1 };
      },
    });
    expect(asked).toEqual([["*.txt", "/data"]]);
    expect(r.result.files).toEqual([{ path: "a.txt", file: "/data/a.txt", size: 1 }]);
  });

  it("hands globFiles the exclude patterns, one or a list (none when not given)", async () => {
    const f = ir(
      `flow s() {\n  a = land.glob("**/*", exclude: "tmp/**")\n  b = glob("*", root: "/d", exclude: ["x*", "y*"])\n  c = land.glob("*")\n  emit a, b, c\n}`,
    );
    const asked: unknown[] = [];
    await runEngine(f, {
      dispatcher: d(),
      globFiles: async function* (pattern, root, exclude) {
        asked.push([pattern, exclude]);
        yield* [];
      },
    });
    expect(asked).toHaveLength(3);
    expect(asked).toEqual(
      expect.arrayContaining([
        ["**/*", ["tmp/**"]],
        ["*", ["x*", "y*"]],
        ["*", []],
      ]),
    );
  });

  it("fails a pond source in a run without a pond, naming the step", async () => {
    const f = ir(`flow s() {\n  rows = pond("SELECT 1")\n  emit rows\n}`);
    await expect(runEngine(f, { dispatcher: d() })).rejects.toThrow("step `rows`: this run has no pond to query");
  });
});
