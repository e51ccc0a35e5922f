/** The SDK's import direction (DESIGN.md, Layout): src/worker imports proto, land (and later pond) — never runtime or cli. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") && !p.endsWith(".test.ts") ? [p] : [];
  });
}

describe("import direction", () => {
  it.each(["worker", "proto", "land"])("src/%s imports nothing from runtime, cli, pod, dsl or ir", (folder) => {
    const files = sources(join(SRC, folder));
    expect(files.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = relative(SRC, join(file, "..", m[1]!));
        if (/^(runtime|cli|pod|dsl|ir|ui)\//.test(target)) bad.push(`${relative(SRC, file)} → ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
