import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { logTail } from "./log-tail.js";

const dir = mkdtempSync(join(tmpdir(), "qb-log-tail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logTail", () => {
  it("gives the last lines, without blank ones", () => {
    const file = join(dir, "a.log");
    writeFileSync(file, "one\n\ntwo\nthree\n");
    expect(logTail(file, 2)).toBe("two\nthree");
    expect(logTail(file)).toBe("one\ntwo\nthree");
  });

  it("starts at a byte offset: a restarted process's lines only", () => {
    const file = join(dir, "b.log");
    writeFileSync(file, "first process\ncrashed\n");
    const from = statSync(file).size;
    appendFileSync(file, "second process\n");
    expect(logTail(file, 20, from)).toBe("second process");
    expect(logTail(file, 20, statSync(file).size)).toBe("");
  });

  it("is empty for a missing file", () => {
    expect(logTail(join(dir, "none.log"))).toBe("");
  });
});
