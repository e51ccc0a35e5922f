/**
 * Bundles the built JavaScript (dist/, from tsc) with esbuild, because startup time is
 * dominated by loading modules: Node 20 spends ~0.5 ms per ESM/CommonJS file it resolves
 * and reads, and a worker pulls in ~150 files of grpc-js and protobufjs. One file each:
 *
 *   dist/bundle/cli.js     `qb` (bin/qb.js runs it): our code and its packages in one module,
 *                          plus chunks for what loads lazily (gRPC and the pod, the pond,
 *                          the conformance suite). The pond's drivers and Arrow stay
 *                          external: DuckDB is a native addon, and they load lazily anyway.
 *   dist/bundle/worker.cjs the worker SDK with grpc-js, proto-loader, protobufjs and
 *                          grpc-health-check inside, as CommonJS: `quarterback/worker`
 *                          (src/worker/bundled.ts) loads it through V8's code cache, primed
 *                          here. A worker listens ~100 ms sooner than from the separate
 *                          files. apache-arrow stays external (it loads on first use only).
 *
 * Both sit two folders below the package root like every file of dist/, so the .proto
 * files are found the same way (src/proto/paths.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** CommonJS code inside an ES module bundle still calls `require` (protobufjs looks up optional modules so). */
const REQUIRE_BANNER = 'import { createRequire as __qbCreateRequire } from "node:module"; const require = __qbCreateRequire(import.meta.url);';

/**
 * grpc-health-check finds its health.proto from `__dirname`, which an ES module does not
 * have: give that one module its own folder back, looked up where the package is installed.
 */
const healthCheckDirname: esbuild.Plugin = {
  name: "grpc-health-check-dirname",
  setup(build) {
    build.onLoad({ filter: /grpc-health-check[\\/]build[\\/]src[\\/][^\\/]+\.js$/ }, (args) => ({
      contents: `var __dirname = require("node:path").dirname(require["resolve"]("grpc-health-check"));\n${readFileSync(args.path, "utf8")}`,
      loader: "js",
    }));
  },
};

const common: esbuild.BuildOptions = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outdir: "dist/bundle",
  sourcemap: true,
  logLevel: "warning",
};

// chunk names carry hashes: clear out the last build's
rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });

await esbuild.build({
  ...common,
  entryPoints: { cli: "dist/cli/main.js" },
  external: ["@duckdb/node-api", "mysql2", "apache-arrow"],
  banner: { js: REQUIRE_BANNER },
  plugins: [healthCheckDirname],
  splitting: true,
  // chunks beside the entry: every file of the bundle must sit two folders below the root
  chunkNames: "[name]-[hash]",
});

await esbuild.build({
  ...common,
  // CommonJS, so src/worker/bundled.ts can load it through V8's code cache (src/worker/code-cache.ts)
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  entryPoints: { worker: "dist/worker/index.js" },
  external: ["apache-arrow"],
  // src/proto/paths.ts finds the .proto files from its own URL
  define: { "import.meta.url": "__qbImportMetaUrl" },
  banner: { js: 'var __qbImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  // a dynamic import cannot run in code loaded through node:vm: Arrow is required instead
  supported: { "dynamic-import": false },
  plugins: [healthCheckDirname],
});

/**
 * Starts a worker from the bundle once, so the code cache holds what a worker's startup
 * compiles before any real worker starts (a worker writes it too, when it finds none).
 */
function primeCodeCache(): void {
  const dir = mkdtempSync(join(tmpdir(), "qb-bundle-"));
  try {
    const script = `const { serveWorker } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist/worker/bundled.js")).href)});
await serveWorker({ noop: (input) => input }, { name: "prime", version: "0", conformance: false, announce: false, listen: ${JSON.stringify(`unix:${join(dir, "w.sock")}`)} });
process.exit(0);`;
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "inherit"], timeout: 30_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!existsSync(join(ROOT, "dist/bundle/worker.cjs.v8-cache"))) throw new Error("bundle: the worker's code cache was not written");
}

primeCodeCache();
