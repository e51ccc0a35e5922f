import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MAY_IMPORT, folderOf, layerViolations, type SourceFile } from "./layers.js";

const SRC = fileURLToPath(new URL(".", import.meta.url));

function sources(dir: string): SourceFile[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    if (!p.endsWith(".ts") || p.endsWith(".test.ts")) return [];
    return [{ path: relative(SRC, p).split(sep).join("/"), text: readFileSync(p, "utf8") }];
  });
}

describe("import direction", () => {
  const files = sources(SRC);

  it("every folder of src/ is in the table", () => {
    const folders = new Set(files.map((f) => folderOf(f.path)));
    expect([...folders].filter((f) => !(f in MAY_IMPORT))).toEqual([]);
    expect(folders.size).toBeGreaterThanOrEqual(15);
  });

  it("no file imports a folder its folder may not import", () => {
    expect(layerViolations(files)).toEqual([]);
  });

  it("nothing imports cli, and the table lets no lower layer import a higher one", () => {
    for (const [from, allowed] of Object.entries(MAY_IMPORT)) if (from !== "cli") expect(allowed, from).not.toContain("cli");
    // a cycle in the table would be two folders each below the other
    const reaches = (a: string, b: string, seen = new Set<string>()): boolean =>
      (MAY_IMPORT[a] ?? []).some((x) => x === b || (!seen.has(x) && (seen.add(x), reaches(x, b, seen))));
    for (const a of Object.keys(MAY_IMPORT)) expect(reaches(a, a), `${a} reaches itself`).toBe(false);
  });

  it("catches a lower layer importing a higher one, a compiler doing I/O, and a dynamic import", () => {
    const planted: SourceFile[] = (
      [
        ["worker/x.ts", 'import { runEngine } from "../runtime/engine.js";'],
        ["runtime/y.ts", 'export { LocalPod } from "../pod/local-pod.js";'],
        ["dsl/z.ts", 'import { readFileSync } from "node:fs";'],
        ["client/w.ts", 'const m = await import("../pod/replica.js");'],
        ["pod/v.ts", 'import { cli } from "../cli/main.js";'],
        ["worker/ok.ts", 'import { encodeValue } from "../common/values.js";\nimport { LandRef } from "../land/ref.js";'],
      ] as const
    ).map(([path, text]) => ({ path, text }));
    expect(layerViolations(planted)).toEqual([
      "worker/x.ts → ../runtime/engine.js (`worker` may import common, land, proto)",
      "runtime/y.ts → ../pod/local-pod.js (`runtime` may import ir, common)",
      "dsl/z.ts → node:fs (`dsl` does no I/O)",
      "client/w.ts → ../pod/replica.js (`client` may import common, land, proto)",
      "pod/v.ts → ../cli/main.js (`pod` may import runtime, client, process, ir, common, land, proto)",
    ]);
  });
});
