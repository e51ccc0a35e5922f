/** `qb k8s F -o DIR`: the flow's pod as Kubernetes manifests; `qb k8s --check DIR`: validate manifests offline. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { compile } from "../../dsl/compile.js";
import { renderDiagnostics } from "../../dsl/render.js";
import { terminalSafe } from "../../dsl/terminal-safe.js";
import type { K8sOptions, LakeSync } from "../../k8s/index.js";
import { EXIT, UsageError } from "../errors.js";
import { collectParam, readFlow } from "../flow-input.js";

interface K8sFlags {
  output?: string;
  check?: string;
  param?: Record<string, string>;
  namespace?: string;
  image: string;
  pondImage?: string;
  pondSecret?: string;
  pondData: string;
  lakeSync?: string[];
  lakeClaim?: string;
  tlsSecret?: string;
  land: string;
  landSize?: string;
}

const DEFAULT_IMAGE = "quarterback:0.1.0";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerK8s(program: Command): void {
  program
    .command("k8s")
    .description(
      "write the flow's pod as Kubernetes manifests (a ConfigMap, a Job with the workers as native sidecars, a Deployment and headless Service per `deploy service` worker), " +
        "or validate manifests offline with --check (exit 0 ok, 1 invalid manifests, 2 a bad flow or bad usage); docs/kubernetes.md",
    )
    .argument("[file]", "flow file")
    .option("-o, --output <dir>", "the folder to write the manifests to (one file per object)")
    .option("--check <dir>", "validate every .yaml/.yml/.json manifest in the folder against the Kubernetes schemas, offline")
    .option("-p, --param <name=value>", "give a param a value (repeatable); the quarterback runs the flow with them", collectParam)
    .option("-n, --namespace <name>", "the namespace of every object (default: none, kubectl's current one)")
    .option("--image <image>", "the quarterback's image, and that of every worker without an `image`", DEFAULT_IMAGE)
    .option("--pond-image <image>", "a MySQL-wire pond container in the pod (e.g. mariadb:11) instead of the embedded pond; needs --pond-secret")
    .option("--pond-secret <name>", "the Secret with QB_POND (the pond's mysql:// URL) and the pond image's own variables")
    .option("--pond-data <path>", "where the pond image keeps its data (an emptyDir)", "/var/lib/mysql")
    .option(
      "--lake-sync <spec>",
      'fill a pond table before the run: "TABLE=SOURCE [key COLS] [incremental-by COL] [schema SPEC] [source-table T]"; SOURCE is a path or secret:NAME/KEY (repeatable)',
      collect,
    )
    .option("--lake-claim <claim>", "a PersistentVolumeClaim holding the lake's files, mounted read-only at /lake for the lake syncs")
    .option(
      "--land <medium>",
      'where the land lives: memory (an emptyDir in memory, of --land-size), disk, or auto: memory up to 4Gi, disk beyond (docs/kubernetes.md, "The land")',
      "auto",
    )
    .option("--land-size <quantity>", "the size of a land in memory (an emptyDir sizeLimit, e.g. 512Mi or 2Gi; default 1Gi)")
    .option("--tls-secret <name>", "the Secret with ca.crt, tls.crt and tls.key for workers deployed as a service (default: <flow>-tls)")
    .action(async (file: string | undefined, opts: K8sFlags) => {
      if (opts.check !== undefined) {
        if (file !== undefined || opts.output !== undefined)
          throw new UsageError("qb k8s --check DIR takes no flow and no -o: it only reads the manifests in DIR");
        process.exitCode = await checkDir(opts.check);
        return;
      }
      if (file === undefined) throw new UsageError("qb k8s needs a flow file (qb k8s F -o DIR), or --check DIR");
      if (opts.output === undefined) throw new UsageError("qb k8s needs -o DIR: the folder to write the manifests to");
      process.exitCode = await generate(file, opts.output, opts);
    });
}

async function generate(file: string, out: string, opts: K8sFlags): Promise<number> {
  const { generateManifests, landPlacement, parseLakeSync, K8sOptionError, manifestYaml, checkManifest, formatIssue, GENERATED_MARK } =
    await import("../../k8s/index.js");
  const input = readFlow(file);
  const compiled = compile(input.text, { file, params: opts.param ?? {} });
  process.stderr.write(renderDiagnostics(file, input.text, compiled.diagnostics));
  if (!compiled.ir) return EXIT.usage;
  if (opts.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.namespace))
    throw new UsageError(`--namespace ${opts.namespace}: not a namespace name (lowercase letters, digits and '-')`);
  if (opts.image.trim() === "") throw new UsageError("--image: give an image, e.g. registry.example.com/quarterback:0.1.0");
  if ((opts.pondImage === undefined) !== (opts.pondSecret === undefined))
    throw new UsageError("--pond-image and --pond-secret go together: the pond container's credentials come from the Secret, never from the manifest");
  if (opts.lakeClaim !== undefined && !opts.lakeSync?.length) throw new UsageError("--lake-claim is for --lake-sync sources: give at least one --lake-sync");
  let manifests;
  try {
    const lakeSyncs: LakeSync[] = (opts.lakeSync ?? []).map(parseLakeSync);
    const options: K8sOptions = {
      flowFile: basename(file),
      source: input.text,
      params: opts.param ?? {},
      image: opts.image,
      lakeSyncs,
      land: landPlacement(opts.land, opts.landSize),
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      ...(opts.pondImage !== undefined ? { pond: { image: opts.pondImage, secret: opts.pondSecret!, dataPath: opts.pondData } } : {}),
      ...(opts.lakeClaim !== undefined ? { lakeClaim: opts.lakeClaim } : {}),
      ...(opts.tlsSecret !== undefined ? { tlsSecret: opts.tlsSecret } : {}),
    };
    manifests = generateManifests(compiled.ir, options);
  } catch (err) {
    if (err instanceof K8sOptionError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  // what we write must pass our own check: a failure here is a bug of qb k8s, not the user's
  for (const m of manifests) {
    const issues = await checkManifest(m.object, 1);
    if (issues.length) throw new Error(`qb k8s made an invalid manifest:\n${issues.map((i) => formatIssue(m.file, i)).join("\n")}`);
  }
  prepareOutput(out);
  const written = new Set<string>();
  for (const m of manifests) {
    writeFileSync(join(out, m.file), manifestYaml(m, file));
    written.add(m.file);
  }
  // files of an earlier `qb k8s` into the same folder that this one did not write (a worker no longer `deploy service`)
  for (const f of readdirSync(out))
    if (!written.has(f) && f.endsWith(".yaml") && readFileSync(join(out, f), "utf8").startsWith(GENERATED_MARK)) rmSync(join(out, f));
  for (const m of manifests) process.stdout.write(`${join(out, m.file)}\n`);
  process.stderr.write(`qb k8s: ${manifests.length} manifests for flow ${compiled.ir.flow} in ${out}; apply them with: kubectl apply -f ${out}\n`);
  return EXIT.ok;
}

function prepareOutput(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`-o ${out}: not a folder`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new UsageError(`-o ${out}: cannot create it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

/** The manifest files of a folder and its subfolders, sorted. */
function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

async function checkDir(dir: string): Promise<number> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--check ${dir}: no such folder`);
  const files = manifestFiles(dir);
  if (files.length === 0) throw new UsageError(`--check ${dir}: no .yaml, .yml or .json files in it`);
  const { checkManifestText, formatIssue } = await import("../../k8s/index.js");
  let bad = 0;
  let documents = 0;
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    const r = await checkManifestText(text);
    const issues = r.issues;
    documents += r.documents;
    for (const i of issues) process.stderr.write(`${terminalSafe(formatIssue(f, i))}\n`);
    bad += issues.length;
  }
  if (bad) {
    process.stderr.write(`qb k8s --check: ${bad} problem${bad === 1 ? "" : "s"} in ${dir}\n`);
    return EXIT.failed;
  }
  process.stdout.write(`qb k8s --check: ${documents} manifest${documents === 1 ? "" : "s"} in ${files.length} file${files.length === 1 ? "" : "s"} valid\n`);
  return EXIT.ok;
}
