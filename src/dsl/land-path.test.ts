/** `into land(path)`: the compiler takes exactly the paths the run's land accepts, normalized alike. */
import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { landFile } from "./land-path.js";
import { normalizeLandPath } from "../land/safe-path.js";

const sinkPath = (path: string): string | undefined => {
  const r = compile(`flow f() {\n  s = [1]\n  into land(${JSON.stringify(path)}) s\n}\n`);
  const sink = r.ir?.sinks[0];
  return sink?.kind === "land" ? sink.path : undefined;
};

describe("land paths of sinks", () => {
  it("records the normalized path in the IR", () => {
    expect(sinkPath("./out//x.jsonl")).toBe("out/x.jsonl");
    expect(sinkPath("out/./x.jsonl")).toBe("out/x.jsonl");
  });

  it("accepts a path exactly when the run's land does, and means the same file", () => {
    const paths = ["x", "out/x", "./x", "out//x", "a/../x", "a/..", "../x", "/x", "out/", "out/.", ".", "./", "a\\b", "a/b/../../c", ""];
    for (const p of paths) {
      let runtime: string | undefined;
      try {
        runtime = normalizeLandPath(p);
      } catch {
        runtime = undefined;
      }
      const f = landFile(p);
      // a folder (`out/`) is refused here though the land would write a file named `out`
      if (f.ok) expect(f.path, p).toBe(runtime);
      else if (runtime !== undefined) expect([p, f.why]).toEqual([p, "not-a-file"]);
    }
  });

  it("says what a path with `..` means without it", () => {
    expect(landFile("out/tmp/../x.jsonl")).toEqual({ ok: false, why: "parent", suggestion: "out/x.jsonl" });
    expect(landFile("a/..")).toEqual({ ok: false, why: "not-a-file" });
    expect(landFile("a/../../x")).toEqual({ ok: false, why: "outside" });
  });
});
