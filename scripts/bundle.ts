/**
 * Bundles the built JavaScript (dist/, from tsc) with esbuild, because startup time is
 * dominated by loading modules: Node 20 spends ~0.5 ms per ESM/CommonJS file it resolves
 * and reads, and a worker pulls in ~150 files of grpc-js and protobufjs. One CommonJS file
 * each, loaded through V8's code cache (src/worker/code-cache.ts; Node 20 has no compile
 * cache of its own), which this script primes by running each once:
 *
 *   dist/bundle/cli.cjs     `qb` (bin/qb.js runs it): src/cli/run-cli.ts with our code and
 *                           its packages. The pond's drivers, Arrow and `qb certs`'s
 *                           X.509 library stay external: DuckDB is a native addon, and
 *                           they load lazily anyway.
 *   dist/bundle/worker.cjs  the worker SDK with grpc-js, proto-loader and protobufjs
 *                           inside: `quarterback/worker`
 *                           (src/worker/bundled.ts). apache-arrow stays external.
 *
 * Both sit two folders below the package root like every file of dist/, so the .proto
 * files are found the same way (src/proto/paths.ts).
 *
 *   dist/ui/page.bundle.js  the web view's page (src/ui/page/main.ts) for the browser: one
 *                           script, served by `qb ui` and inlined in `qb report`'s file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { API_VERSIONS } from "../src/k8s/check.js";
import { buildInputsHash, STAMP } from "./build-inputs.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Packages that read files beside their code (grpc-js's channelz and ORCA protos) find
 * them from `__dirname`, which inside a bundle is the bundle's folder: give each such
 * module its own folder back, where its package is installed (found from the package's
 * entry point at run time).
 */
const ROOT_REQUIRE = createRequire(join(ROOT, "package.json"));
const packageDirname: esbuild.Plugin = {
  name: "package-dirname",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].+\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!/\b__dirname\b/.test(text)) return undefined;
      const match = /^(.*[\\/]node_modules[\\/])((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(args.path);
      if (!match) return undefined;
      const pkg = match[2]!.replaceAll("\\", "/");
      let entry: string;
      try {
        entry = ROOT_REQUIRE.resolve(pkg);
      } catch {
        return { contents: text, loader: "js", warnings: [{ text: `${pkg} uses __dirname but cannot be resolved from the package root: left as is` }] };
      }
      const fromEntry = relative(dirname(entry), dirname(args.path)).replaceAll("\\", "/");
      const dir = `require("node:path").join(require("node:path").dirname(require["resolve"](${JSON.stringify(pkg)})), ${JSON.stringify(fromEntry)})`;
      return { contents: `var __dirname = ${dir};\n${text}`, loader: "js" };
    });
  },
};

/**
 * `import("pkg")` of a package left outside the bundle becomes `__qbImport("pkg")`, the
 * import() src/worker/code-cache.ts hands in: code run through node:vm has none of its own.
 */
function importOutside(external: string[]): esbuild.Plugin {
  const pattern = /\bimport\((["'])([^"']+)\1\)/g;
  return {
    name: "import-outside",
    setup(build) {
      build.onLoad({ filter: /[\\/]dist[\\/].+\.js$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import(")) return undefined;
        return {
          contents: text.replace(pattern, (all, _q: string, spec: string) => (external.includes(spec) ? `__qbImport(${JSON.stringify(spec)})` : all)),
          loader: "js",
        };
      });
    },
  };
}

function bundle(name: string, entry: string, external: string[]): Promise<esbuild.BuildResult> {
  return esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { [name]: entry },
    outdir: "dist/bundle",
    outExtension: { ".js": ".cjs" },
    bundle: true,
    platform: "node",
    // CommonJS, so it can be loaded through V8's code cache
    format: "cjs",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    external,
    // hash-wasm's ES build, where its `sideEffects: false` lets the bundle keep only the
    // hash the land uses (XXH128: ~20 kB) of the ~280 kB of all its hashes that `main` holds
    alias: { "hash-wasm": "hash-wasm/dist/index.esm.js" },
    // src/proto/paths.ts finds the .proto files from its own URL
    define: { "import.meta.url": "__qbImportMetaUrl" },
    banner: { js: 'var __qbImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [packageDirname, importOutside(external)],
  });
}

/**
 * Runs `args` with node in a fresh temporary folder, which goes afterwards. A failure is
 * reported, not fatal: without a primed cache the first start writes one (the tests
 * catch a bundle that does not work).
 */
function inTemp(what: string, make: (dir: string) => string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "qb-bundle-"));
  try {
    // the builder's own pond stays out of it
    const env = { ...process.env };
    delete env.QB_POND;
    execFileSync(process.execPath, make(dir), { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"], timeout: 60_000 });
  } catch (err) {
    process.stderr.write(
      `bundle: WARNING: priming the code cache (${what}) failed, the first starts will be slower: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A worker from the bundle, called the way the pod calls it (health check, Describe, a
 * Session call, an Invoke), so the cache holds what a worker compiles until it has
 * answered its first call. (A worker writes the cache itself when it finds none, but then
 * only with what its startup compiled.)
 */
function primeWorker(): void {
  inTemp("worker", (dir) => {
    const url = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
    const address = JSON.stringify(`unix:${join(dir, "w.sock")}`);
    const script = `const { serveWorker } = await import(${url("dist/worker/bundled.js")});
const { WorkerClient } = await import(${url("dist/client/worker-client.js")});
await serveWorker({ noop: (input) => input }, { name: "prime", version: "0", conformance: false, announce: false, listen: ${address} });
const client = new WorkerClient(${address});
await client.waitForReady(10_000);
await Promise.all([client.health(""), client.describe()]);
const session = client.session();
await session.request("noop", { x: 1 });
session.end();
await client.invoke("noop", [1, "two"]);
client.close();
process.exit(0);`;
    return ["--input-type=module", "-e", script];
  });
}

/** `qb run` of a one-call flow on the no-op benchmark worker: compile, pod, run, teardown. */
function primeCli(): void {
  inTemp("qb run", (dir) => {
    const flow = join(dir, "prime.flow");
    writeFileSync(flow, `flow prime() {\n  worker w { run "node ${join(ROOT, "bench/workers/noop.js")}" }\n  xs = range(2) | w.noop\n  emit xs\n}\n`);
    return [join(ROOT, "bin/qb.js"), "run", "--json", flow, "--run-dir", join(dir, "run")];
  });
}

// the last build's files go (a cache for other code would only be rejected)
rmSync(join(ROOT, "dist/bundle"), { recursive: true, force: true });
// grpc-js requires @grpc/proto-loader only for channelz and ORCA, which we do not use (our
// definitions come from protobufjs, src/proto/service-definition.ts): left outside, it
// stays out of the bundle's size and its code cache
// the Kubernetes models (`qb k8s --check`) are megabytes of validators: loaded from node_modules, one API group at a time;
// `qb certs`'s X.509 library (and the polyfill it needs) load for that command only
const KUBERNETES_MODELS = API_VERSIONS.map((v) => `kubernetes-models/${v}`);
await bundle("cli", "dist/cli/run-cli.js", [
  "@duckdb/node-api",
  "@duckdb/node-bindings",
  "mysql2",
  "apache-arrow",
  "@grpc/proto-loader",
  "@peculiar/x509",
  "reflect-metadata",
  ...KUBERNETES_MODELS,
]);
await bundle("worker", "dist/worker/index.js", ["apache-arrow", "@grpc/proto-loader"]);
// the page: from the TypeScript sources (tsc leaves src/ui/page out: it is browser code)
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: ["src/ui/page/main.ts"],
  outfile: "dist/ui/page.bundle.js",
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2020",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
primeWorker();
primeCli();
for (const name of ["cli", "worker"]) {
  if (!existsSync(join(ROOT, `dist/bundle/${name}.cjs.v8-cache`))) process.stderr.write(`bundle: WARNING: no code cache for ${name}.cjs yet\n`);
}
// the last step of the build: what it was built from (scripts/prepare.js skips a build of the same)
writeFileSync(join(ROOT, STAMP), buildInputsHash(ROOT) + "\n");
