import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findProjectRoot, projectRootOfFlow } from "./project-root.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-project-root-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Makes `rel` (a folder, or a file when it has a dot in its last part) under tmp. */
function make(...rels: string[]): void {
  for (const rel of rels) {
    const path = join(tmp, rel);
    if (/\.[a-z]+$/.test(rel.split("/").at(-1)!) && !rel.endsWith("/.qb")) {
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, "{}\n");
    } else mkdirSync(path, { recursive: true });
  }
}

describe("findProjectRoot", () => {
  make("pkg/package.json", "pkg/flows/deep/more", "marked/.qb", "marked/flows", "inner/package.json", "inner/sub/package.json", "inner/sub/flows");

  it("is the nearest folder up holding a package.json", () => {
    expect(findProjectRoot(join(tmp, "pkg/flows/deep/more"))).toBe(join(tmp, "pkg"));
    expect(findProjectRoot(join(tmp, "pkg"))).toBe(join(tmp, "pkg"));
  });

  it("or a .qb folder", () => {
    expect(findProjectRoot(join(tmp, "marked/flows"))).toBe(join(tmp, "marked"));
  });

  it("the nearest wins over one further up", () => {
    expect(findProjectRoot(join(tmp, "inner/sub/flows"))).toBe(join(tmp, "inner/sub"));
  });

  it("a .qb that is a file marks nothing", () => {
    make("filemark/flows");
    writeFileSync(join(tmp, "filemark/.qb"), "");
    // tmp itself (under the system's temp folder) has no marker: the start is the project
    expect(findProjectRoot(join(tmp, "filemark/flows"))).toBe(join(tmp, "filemark/flows"));
  });

  it("with no marker up to the root, the folder it started from", () => {
    make("bare/flows");
    expect(findProjectRoot(join(tmp, "bare/flows"))).toBe(join(tmp, "bare/flows"));
  });

  it("a flow's project is found from the flow's folder, not the current one", () => {
    expect(projectRootOfFlow(join(tmp, "pkg/flows/deep/x.flow"))).toBe(join(tmp, "pkg"));
    expect(projectRootOfFlow(join(tmp, "bare/flows/x.flow"))).toBe(join(tmp, "bare/flows"));
  });
});
