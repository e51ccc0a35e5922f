/**
 * Images and pods with podman for test/k8s-pod.test.ts, as ../shared/containers.md says
 * works on these machines: a Debian base made with mmdebstrap (no registry), node and npm
 * copied in from this machine, then the repo's Containerfile on top.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { ROOT } from "./examples.js";

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, never throwing: its exit code (124 on timeout), stdout and stderr. */
export function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: unknown; killed?: boolean }) | null;
      const code = !e ? 0 : e.killed ? 124 : typeof e.code === "number" ? e.code : 127;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like run, but throws with the command's output when it fails. */
export async function must(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r.stdout;
}

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: "ignore", timeout: 30_000 }).status === 0;

/** What is missing for podman to run pods here (a tool, said so that "... is missing" reads), or null. */
export function podmanMissing(): string | null {
  if (!has("podman", ["--version"])) return "podman";
  if (!has("podman", ["info"])) return "a podman that works (`podman info` fails; ../shared/containers.md: runc, cgroupfs, default_ulimits = [])";
  if (!has("podman", ["image", "exists", BASE_IMAGE]) && !has("mmdebstrap", ["--version"])) return `mmdebstrap (to make ${BASE_IMAGE})`;
  return null;
}

export const BASE_IMAGE = "localhost/qb-base:bookworm";
export const NODE_IMAGE = `localhost/qb-node:${process.versions.node}`;
export const IMAGE = "localhost/quarterback:k8s-test";
export const TEST_IMAGE = "localhost/quarterback-test-workers:k8s-test";

const exists = async (image: string): Promise<boolean> => (await run("podman", ["image", "exists", image])).code === 0;

/** Seconds each step took, for the report. */
export const timings: Record<string, number> = {};

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = (Date.now() - t) / 1000;
  }
}

/** Paths under the repo that are left out of a digest (as .containerignore leaves them out of the image). */
const NOT_IN_IMAGE = new Set(["dist/test", "dist/bench"]);

/** SHA-256 over the names and bytes of every file under `paths` (in ROOT, sorted), and `salt`. */
export function inputsDigest(paths: string[], salt: string): string {
  const h = createHash("sha256").update(salt);
  const walk = (abs: string): void => {
    const rel = relative(ROOT, abs);
    // V8's code caches differ between builds of the same bundle (V8 checks them against it)
    if (NOT_IN_IMAGE.has(rel) || rel.endsWith(".tsbuildinfo") || rel.endsWith(".v8-cache") || !existsSync(abs)) return;
    if (statSync(abs).isDirectory()) for (const e of readdirSync(abs).sort()) walk(join(abs, e));
    else h.update(`${rel}\0${statSync(abs).size}\0`).update(readFileSync(abs));
  };
  for (const p of paths) walk(join(ROOT, p));
  return h.digest("hex").slice(0, 16);
}

/**
 * Builds `image` unless an image built from the same inputs is kept (tagged `image-DIGEST`):
 * a rebuild from unchanged files hashes node_modules into podman's layer cache again, which
 * took 36-68 s here, most of this suite's time. Older digests' tags go.
 */
async function buildOnce(image: string, digest: string, build: (tag: string) => Promise<unknown>): Promise<void> {
  const tagged = `${image}-${digest}`;
  if (!(await exists(tagged))) {
    await build(tagged);
    const repo = image.slice(0, image.lastIndexOf(":"));
    const older = (await run("podman", ["images", "--format", "{{.Repository}}:{{.Tag}}", repo])).stdout
      .split("\n")
      .filter((t) => t.startsWith(`${image}-`) && t !== tagged);
    if (older.length) await run("podman", ["rmi", ...older]);
    // the layers the build replaced (hundreds of MB each run) go too
    await run("podman", ["image", "prune", "-f"]);
  }
  await must("podman", ["tag", tagged, image]);
}

/** The images the test plays: each built once (the base and node layers are kept across runs). */
export async function buildImages(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "qb-images-"));
  try {
    if (!(await exists(BASE_IMAGE)))
      await timed("base (mmdebstrap)", async () => {
        const tar = join(work, "base.tar");
        await must("mmdebstrap", ["--variant=minbase", "--include=ca-certificates", "bookworm", tar], 600_000);
        await must("podman", ["import", tar, BASE_IMAGE]);
      });
    if (!(await exists(NODE_IMAGE)))
      await timed("node base", async () => {
        // what node:20-bookworm-slim holds: node and npm under /usr/local
        const ctx = join(work, "node");
        mkdirSync(ctx);
        cpSync(process.execPath, join(ctx, "node"));
        const npmRoot = (await must("npm", ["root", "-g"])).trim();
        cpSync(join(npmRoot, "npm"), join(ctx, "npm"), { recursive: true });
        writeFileSync(
          join(ctx, "Containerfile"),
          `FROM ${BASE_IMAGE}\nCOPY node /usr/local/bin/node\nCOPY npm /usr/local/lib/node_modules/npm\nRUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm\n`,
        );
        await must("podman", ["build", "--network", "none", "-t", NODE_IMAGE, ctx], 300_000);
      });
    // the repo's Containerfile, as a user builds it (layers cached: only what changed is redone)
    // node_modules is what the lock file installs (npm ci): the lock stands for it
    const imageInputs = ["Containerfile", ".containerignore", "package.json", "package-lock.json", "bin", "proto", "dist", "src", "examples"];
    const imageDigest = inputsDigest(imageInputs, NODE_IMAGE);
    await timed("quarterback image", () =>
      buildOnce(IMAGE, imageDigest, (tag) => must("podman", ["build", "--network", "none", "--build-arg", `BASE=${NODE_IMAGE}`, "-t", tag, ROOT], 600_000)),
    );
    await timed("test workers image", async () => {
      // the test workers (land-probe) beside the examples, for the flows only this test runs
      const ctx = join(work, "test-workers");
      for (const [from, to] of [
        ["test/workers", "test/workers"],
        ["dist/test/workers", "dist/test/workers"],
      ] as const) {
        mkdirSync(dirname(join(ctx, to)), { recursive: true });
        // the launchers compare modification times: keep them
        cpSync(join(ROOT, from), join(ctx, to), { recursive: true, preserveTimestamps: true });
      }
      writeFileSync(join(ctx, "Containerfile"), `FROM ${IMAGE}\nCOPY test /opt/quarterback/test\nCOPY dist /opt/quarterback/dist\n`);
      await buildOnce(TEST_IMAGE, inputsDigest(["test/workers", "dist/test/workers"], imageDigest), (tag) =>
        must("podman", ["build", "--network", "none", "-t", tag, ctx], 300_000),
      );
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
