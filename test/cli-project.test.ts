/**
 * `qb run path/to/x.flow` from another folder: the flow's relative paths (the worker's
 * `run` command, a `glob` root) mean its project, found from the flow's folder; its runs
 * go to the project's .qb/runs, and nothing is written where the command was typed.
 * `--project`, QB_PROJECT and paths typed on the command line, as docs/runtime.md says.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";

const QB = join(ROOT, "bin/qb.js");
const tmp = mkdtempSync(join(tmpdir(), "qb-cli-project-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const project = join(tmp, "proj");
const elsewhere = join(tmp, "elsewhere");

const SDK = pathToFileURL(join(ROOT, "dist/worker/bundled.js")).href;
mkdirSync(join(project, "flows"), { recursive: true });
mkdirSync(join(project, "workers"));
mkdirSync(join(project, "data"));
mkdirSync(elsewhere);
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "proj", private: true, type: "module" }) + "\n");
writeFileSync(join(project, "data/a.txt"), "abc");
writeFileSync(join(project, "data/b.txt"), "defgh");
writeFileSync(
  join(project, "workers/files.mjs"),
  `import { readFileSync } from "node:fs";
import { serveWorker } from ${JSON.stringify(SDK)};
await serveWorker({
  length: { handler: (i) => readFileSync(i.file, "utf8").length },
  add: { handler: (i) => i.left + i.right },
  cwd: { handler: () => process.cwd() },
});
`,
);
writeFileSync(
  join(project, "flows/sizes.flow"),
  `flow sizes() {
  worker files { run "node workers/files.mjs" }
  found = glob("*.txt", root: "data")
  sizes = found | files.length(file: item.file)
  total = sizes | reduce files.add
  emit total
}
`,
);
writeFileSync(
  join(project, "flows/where.flow"),
  `flow where() {
  worker files { run "node workers/files.mjs" }
  at = range(1) | files.cwd()
  emit at
}
`,
);

function qb(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [QB, ...args], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, QB_PROJECT: "", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const runIds = (cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): string[] => {
  const r = qb(cwd, [...args, "runs", "--json"], env);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id);
};

describe("a flow run from another folder", () => {
  let first = "";

  it("runs in its project: the worker's command and the glob root are the project's; nothing lands in the current folder", () => {
    const r = qb(elsewhere, ["run", join(project, "flows/sizes.flow")]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: [8] });
    expect(readdirSync(elsewhere)).toEqual([]);
    const runs = readdirSync(join(project, ".qb/runs"));
    expect(runs).toHaveLength(1);
    first = runs[0]!;
    expect(r.stderr).toContain(join(project, ".qb/runs", first));
  });

  it("its worker's current folder is the project", () => {
    const r = qb(elsewhere, ["run", "../proj/flows/where.flow"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ at: [project] });
  });

  it("qb runs finds the project from a folder inside it, and from anywhere with --project or QB_PROJECT", () => {
    expect(runIds(join(project, "flows"))).toContain(first);
    expect(runIds(elsewhere, ["--project", project])).toContain(first);
    expect(runIds(elsewhere, [], { QB_PROJECT: project })).toContain(first);
    // the current folder is a project of its own (no marker above it): it has no runs
    expect(runIds(elsewhere)).toEqual([]);
    const logs = qb(project, ["logs", first, "--step", "sizes"]);
    expect(logs.status, logs.stderr).toBe(0);
  });

  it("paths typed on the command line are the shell's: --run-dir here, a run named by its directory", () => {
    const r = qb(elsewhere, ["run", join(project, "flows/sizes.flow"), "--run-dir", "kept"]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(elsewhere, "kept/run.json"))).toBe(true);
    expect(existsSync(join(project, "kept"))).toBe(false);
    const shown = qb(elsewhere, ["--project", project, "runs", "show", "kept", "--json"]);
    expect(shown.status, shown.stderr).toBe(0);
    expect((JSON.parse(shown.stdout) as { dir: string }).dir).toBe(join(elsewhere, "kept"));
    rmSync(join(elsewhere, "kept"), { recursive: true });
  });

  it("a --project or QB_PROJECT that is not a folder is bad usage, naming it", () => {
    const bad = qb(elsewhere, ["--project", "nowhere", "runs"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`--project ${join(elsewhere, "nowhere")}: not a folder`);
    const badEnv = qb(elsewhere, ["run", join(project, "flows/sizes.flow")], { QB_PROJECT: join(project, "package.json") });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toContain(`QB_PROJECT ${join(project, "package.json")}: not a folder`);
  });
});
