/**
 * Names that are also properties of every JavaScript object (`constructor`, `toString`,
 * `__proto__`) are ordinary names in a flow: looking them up must not find Object.prototype.
 */
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { evaluate } from "../ir/evaluate.js";

const messages = (text: string): string[] => compile(text).diagnostics.map((d) => `${d.code} ${d.message} ${d.help ?? ""}`);

describe("names shared with Object.prototype", () => {
  it("a param named `constructor` or `toString` takes its default", () => {
    const r = compile(`flow f(constructor: int = 3, toString: string = "a") {\n  s = range(constructor)\n  emit s\n}\n`);
    expect(messages(`flow f(constructor: int = 3, toString: string = "a") {\n  s = range(constructor)\n  emit s\n}\n`)).toEqual([]);
    expect(r.ir?.params.map((p) => p.value)).toEqual([3, "a"]);
  });

  it("`5toString` is not a duration, `2valueOf` not a size", () => {
    expect(messages(`flow f(d: duration = 5toString) {\n  s = [1]\n  emit s\n}\n`)).toEqual([expect.stringMatching(/^QB3004 unknown unit `toString`/)]);
    expect(messages(`flow f() {\n  worker w { run "x" memory 2valueOf }\n  s = [1] | w.m\n  emit s\n}\n`)).toEqual([
      expect.stringMatching(/^QB3004 unknown unit `valueOf`/),
    ]);
  });

  it("help never suggests a JavaScript function", () => {
    const text = `flow f() {\n  worker w { run "x"\n    toString 3 }\n  s = [1] | w.m | valueOf\n  emit s\n}\n`;
    for (const m of messages(text)) expect(m).not.toContain("function");
  });

  it("an SQL parameter `:constructor` needs a value like any other", () => {
    expect(messages(`flow f() {\n  s = pond("SELECT * FROM t WHERE a = :constructor")\n  emit s\n}\n`)).toEqual([
      expect.stringMatching(/^QB4011 SQL parameter `:constructor` has no value/),
    ]);
  });

  it("an object key `__proto__` is kept like any other key", () => {
    expect(evaluate({ kind: "object", entries: [["__proto__", { kind: "item" }]] }, { a: 1 })).toEqual(JSON.parse('{"__proto__": {"a": 1}}'));
    const ir = compile(`flow f() {\n  worker w { run "x" env {"__proto__": "x"} }\n  s = [1] | w.m\n  emit s\n}\n`).ir!;
    expect(Object.keys(ir.workers[0]!.env)).toEqual(["__proto__"]);
  });
});
