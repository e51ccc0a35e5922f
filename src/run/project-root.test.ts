import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findProjectRoot, projectRootOfFlow } from "./project-root.js";

const tmp = mkdtempSync(join(tmpdir(), "qb-project-root-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dir = (rel: string): string => {
  mkdirSync(join(tmp, rel), { recursive: true });
  return join(tmp, rel);
};
const file = (rel: string): void => writeFileSync(join(tmp, rel), "{}\n");

describe("findProjectRoot", () => {
  dir("pkg/flows/deep/more");
  file("pkg/package.json");
  dir("repo/.git");
  dir("repo/flows");
  dir("inner/sub/flows");
  file("inner/package.json");
  file("inner/sub/package.json");
  dir("worktree/flows");
  file("worktree/.git");
  dir("runs-only/.qb");
  dir("runs-only/flows");

  it("is the nearest folder up holding a package.json", () => {
    expect(findProjectRoot(join(tmp, "pkg/flows/deep/more"))).toBe(join(tmp, "pkg"));
    expect(findProjectRoot(join(tmp, "pkg"))).toBe(join(tmp, "pkg"));
  });

  it("or a .git, a folder or a file (a worktree's)", () => {
    expect(findProjectRoot(join(tmp, "repo/flows"))).toBe(join(tmp, "repo"));
    expect(findProjectRoot(join(tmp, "worktree/flows"))).toBe(join(tmp, "worktree"));
  });

  it("the nearest wins over one further up", () => {
    expect(findProjectRoot(join(tmp, "inner/sub/flows"))).toBe(join(tmp, "inner/sub"));
  });

  it("a .qb folder marks nothing: runs make it themselves", () => {
    // the system's temp folder has no marker above it: the start is the project
    expect(findProjectRoot(join(tmp, "runs-only/flows"))).toBe(join(tmp, "runs-only/flows"));
  });

  it("a flow's project is found from the flow's folder, not the current one; a flow in no project runs in the current folder", () => {
    expect(projectRootOfFlow(join(tmp, "pkg/flows/deep/x.flow"), join(tmp, "repo"))).toBe(join(tmp, "pkg"));
    expect(projectRootOfFlow("flows/x.flow", join(tmp, "repo"))).toBe(join(tmp, "repo"));
    expect(projectRootOfFlow(join(tmp, "runs-only/flows/x.flow"), join(tmp, "pkg"))).toBe(join(tmp, "pkg"));
  });
});
