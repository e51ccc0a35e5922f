/**
 * A held method is an async generator. A plain generator (`function*`) cannot await signals,
 * and served as a plain method its result was the generator object, i.e. JSON `{}`: refused
 * when the worker starts, naming the method.
 */
import { describe, expect, it } from "vitest";
import { resolveMethods } from "./methods.js";
import { WorkerConfigError } from "./errors.js";

describe("a generator function (function*) as a method", () => {
  it("is refused with WorkerConfigError naming the method and saying what to write", () => {
    const table = {
      ok: () => 1,
      steps: function* () {
        yield 1;
      },
    };
    expect(() => resolveMethods(table)).toThrow(WorkerConfigError);
    expect(() => resolveMethods(table)).toThrow(/"steps".*async function\*/);
  });

  it("is refused in the { handler } form too, held or not", () => {
    for (const held of [true, false, undefined]) {
      const handler = function* () {
        yield 1;
      };
      expect(() => resolveMethods({ steps: { handler, held } })).toThrow(WorkerConfigError);
    }
  });

  it("async generators stay held; plain functions stay plain", () => {
    const m = resolveMethods({ a: async function* () {}, b: async () => 1, c: { handler: () => 1, held: false } });
    expect([...m.values()].map((x) => [x.name, x.held])).toEqual([
      ["a", true],
      ["b", false],
      ["c", false],
    ]);
  });
});
