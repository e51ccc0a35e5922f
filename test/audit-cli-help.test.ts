/** Each subcommand's --help: accurate, without internals leaking into it. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/examples.js";

function help(...cmd: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), ...cmd, "--help"], { cwd: ROOT, encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("qb help", () => {
  it("shows no placeholder default for --param", () => {
    for (const cmd of [["run"], ["check"], ["compile"], ["graph"], ["pond", "query"]]) expect(help(...cmd)).not.toContain("(default: {})");
  });

  it("gives qb run's exit codes, as the other commands do", () => {
    expect(help("run").replace(/\s+/g, " ")).toContain("exit 0 ok, 1 the run failed or was cancelled, 2 a bad flow or bad usage");
  });

  it("without a command, shows the help on stderr and exits 2 (bad usage); asked for, exits 0", () => {
    for (const cmd of [[], ["pond"]]) {
      const r = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), ...cmd], { cwd: ROOT, encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("Usage: qb");
    }
    const asked = spawnSync(process.execPath, [join(ROOT, "bin/qb.js"), "help"], { cwd: ROOT, encoding: "utf8" });
    expect(asked.status).toBe(0);
    expect(asked.stdout).toContain("Usage: qb");
  });
});
