/**
 * The pod of `qb k8s`, run for real: the image built from the repo's Containerfile (on a
 * Debian base made here, no registry), the generated Job's pod played with
 * `podman kube play --network none` (test/support/kube-pod.ts says what the translation
 * from Job to Pod changes, and why). pi and sales give what a local `qb run` gives; a land
 * reference crosses containers; the workers answer their health checks; the quarterback's
 * exit code is the pod's outcome, also for a failing flow.
 *
 * Time: building the images the first time takes minutes (mmdebstrap 20-90 s, the image
 * ~2 min on 2 busy cores); later runs reuse the base and the unchanged layers (~30-40 s),
 * and each pod plays in a few seconds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCEPTANCE, ROOT } from "./support/examples.js";
import { podFromJob } from "./support/kube-pod.js";
import { buildImages, IMAGE, must, podmanMissing, run, TEST_IMAGE, timings } from "./support/podman.js";
import { skipForWant } from "./worker-fixtures/helpers.js";

const missing = podmanMissing();
if (missing)
  skipForWant(
    missing,
    "test/k8s-pod.test.ts (the qb k8s pod played with podman)",
    "install podman, runc and mmdebstrap and set up /etc/containers/containers.conf",
  );

const dir = mkdtempSync(join(tmpdir(), "qb-k8s-pod-"));
const QB = join(ROOT, "bin/qb.js");
/** The image pi.flow names for its worker, served by the one built here. */
const IMAGES = { "quarterback/examples:0.1": IMAGE };

/** What to remove at the end, whatever happened. */
const played: Array<{ yaml: string; pod: string; volumes: string[] }> = [];

async function teardown(p: { yaml: string; pod: string; volumes: string[] }): Promise<void> {
  await run("podman", ["kube", "down", p.yaml]);
  await run("podman", ["pod", "rm", "-f", p.pod]);
  // kube play keeps each ConfigMap's volume
  for (const v of p.volumes) await run("podman", ["volume", "rm", "-f", v]);
}

interface Played {
  pod: string;
  /** The quarterback container's exit code. */
  exitCode: number;
  stdout: string;
  stderr: string;
  sidecars: string[];
  seconds: number;
}

/**
 * `qb k8s` of a flow, its pod played until the quarterback container ends; `check` looks at
 * it (its workers still run), then the pod goes.
 */
async function withPod(name: string, flow: string, args: string[], image: string, check: (p: Played) => Promise<void>): Promise<void> {
  const out = join(dir, name);
  execFileSync(process.execPath, [QB, "k8s", flow, "-o", out, "--image", image, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  const t = podFromJob(
    readdirSync(out).map((f) => readFileSync(join(out, f), "utf8")),
    IMAGES,
  );
  const yaml = join(dir, `${name}.pod.yaml`);
  writeFileSync(yaml, t.yaml);
  const entry = { yaml, pod: t.pod, volumes: t.volumes };
  played.push(entry);
  // a pod of the same name left by a run that was killed
  await teardown(entry);
  const started = Date.now();
  await must("podman", ["kube", "play", "--network", "none", yaml], 120_000);
  const q = `${t.pod}-quarterback`;
  const waited = await run("podman", ["wait", q], 180_000);
  const seconds = (Date.now() - started) / 1000;
  const logs = await run("podman", ["logs", q]);
  try {
    const exitCode = Number(waited.stdout.trim());
    if (waited.code !== 0 || !Number.isInteger(exitCode)) throw new Error(`podman wait ${q}: ${waited.stderr}\n${logs.stderr}`);
    console.log(`k8s-pod: ${name} played in ${seconds.toFixed(1)} s`);
    await check({ pod: t.pod, exitCode, stdout: logs.stdout, stderr: logs.stderr, sidecars: t.sidecars, seconds });
  } finally {
    await teardown(entry);
  }
}

/** The same flow on local processes. */
function localRun(flow: string, args: string[]): unknown {
  const stdout = execFileSync(process.execPath, [QB, "run", flow, "--run-dir", mkdtempSync(join(dir, "local-")), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(stdout) as unknown;
}

/** Equal, numbers to 1e-9 relative (a reduce adds in the order results arrive). */
function expectClose(got: unknown, want: unknown, path = "result"): void {
  if (typeof want === "number" && typeof got === "number") {
    expect(Math.abs(got - want), `${path}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
    return;
  }
  if (want !== null && typeof want === "object") {
    expect(typeof got, path).toBe("object");
    expect(Object.keys(got as object).sort(), path).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) expectClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(got, path).toEqual(want);
}

function byRegion(result: unknown): unknown {
  const r = result as { by_region: Array<{ region: string }> };
  return { ...r, by_region: [...r.by_region].sort((a, b) => a.region.localeCompare(b.region)) };
}

/** Every worker container answers its health check (the gRPC probe, asked from inside: kube-pod.ts). */
async function expectHealthy(p: Played): Promise<void> {
  expect(p.sidecars.length).toBeGreaterThan(0);
  for (const s of p.sidecars) {
    const c = `${p.pod}-${s}`;
    const check = await run("podman", ["healthcheck", "run", c]);
    expect(check.code, `podman healthcheck run ${c}: ${check.stdout}${check.stderr}`).toBe(0);
    expect((await must("podman", ["inspect", "--format", "{{.State.Health.Status}}", c])).trim()).toBe("healthy");
  }
}

describe.skipIf(missing !== null)("qb k8s: the pod played with podman", () => {
  beforeAll(async () => {
    await buildImages();
    console.log(`k8s-pod: images built in ${JSON.stringify(timings)} s`);
  }, 1_200_000);

  afterAll(async () => {
    for (const p of played) await teardown(p);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("pi: the same result as a local run, the workers healthy, exit code 0", async () => {
    const args = ["--param", "samples=400000"];
    await withPod("pi", join(ROOT, "examples/pi.flow"), args, IMAGE, async (p) => {
      expect(p.exitCode, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toEqual(localRun("examples/pi.flow", args));
      await expectHealthy(p);
    });
  }, 300_000);

  it("sales: the pond filled from the lake by an init container, the same result as a local run", async () => {
    const csv = join(ACCEPTANCE, "lake", "sales.csv");
    // the lake: a volume holding the CSV, claimed by the manifests (podman plays a claim as the named volume)
    const lake = `qb-k8s-test-lake-${process.pid}`;
    await run("podman", ["volume", "rm", "-f", lake]);
    await must("podman", ["volume", "create", lake]);
    played.push({ yaml: "/dev/null", pod: "none", volumes: [lake] });
    copyFileSync(csv, join((await must("podman", ["volume", "inspect", "--format", "{{.Mountpoint}}", lake])).trim(), "sales.csv"));
    const pond = join(dir, "sales.duckdb");
    execFileSync(process.execPath, [QB, "pond", "sync", "--from", csv, "--table", "sales", "--key", "id", "--pond", pond], { cwd: ROOT, stdio: "ignore" });
    const local = localRun("examples/sales.flow", ["--pond", pond]);
    await withPod("sales", join(ROOT, "examples/sales.flow"), ["--lake-sync", "sales=sales.csv key id", "--lake-claim", lake], IMAGE, async (p) => {
      expect(p.exitCode, p.stderr).toBe(0);
      // the pod's pond starts empty: the sync init container (podman removes it once it ended) made generation 1
      expect(p.stderr).toContain("reading table sales at generation 1");
      // by_region comes in the order the calls end (parallel 4, not `ordered`)
      expectClose(byRegion(JSON.parse(p.stdout)), byRegion(local));
    });
  }, 300_000);

  it("a land reference written by one worker container is read by another", async () => {
    const flow = join(dir, "land_cross.flow");
    writeFileSync(
      flow,
      `flow land_cross() {\n  worker writer { run "node test/workers/land-probe.js" }\n  worker reader { run "node test/workers/land-probe.js" }\n` +
        `  refs = [{path: "out/a.txt", text: "written in another container"}] | writer.make\n  back = refs | reader.what\n  emit back\n}\n`,
    );
    await withPod("land-cross", flow, [], TEST_IMAGE, async (p) => {
      expect(p.exitCode, p.stderr).toBe(0);
      expect(JSON.parse(p.stdout)).toEqual({ back: [{ ref: true, path: "out/a.txt", text: "written in another container" }] });
      // the file is on the volume every container mounts
      expect(await must("podman", ["exec", `${p.pod}-reader-0`, "cat", "/qb/run/land/out/a.txt"])).toBe("written in another container");
      await expectHealthy(p);
    });
  }, 300_000);

  it("a failing flow: the quarterback's exit code 1 is the pod's outcome, with the error in its log", async () => {
    const flow = join(dir, "failing.flow");
    writeFileSync(
      flow,
      `flow failing() {\n  worker md5 { run "node examples/workers/md5.js" }\n  xs = [{path: "/nonexistent/file"}] | md5.file\n  emit xs\n}\n`,
    );
    await withPod("failing", flow, [], IMAGE, async (p) => {
      expect(p.exitCode).toBe(1);
      expect(p.stderr).toContain("cannot read /nonexistent/file");
      expect(p.stdout).toBe("");
    });
  }, 300_000);
});
