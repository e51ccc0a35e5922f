/**
 * The import direction of src/ (DESIGN.md, Layout), as data: which folders each folder may
 * import. Lower layers never import higher ones; nothing imports `cli`; the worker SDK
 * never imports the runtime; the compiler does no I/O. `src/layers.test.ts` checks every
 * file against it.
 */
export const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  // the floor: no folder of ours below them
  sql: [],
  land: [],
  proto: [],
  // `qb certs`: certificates for mutual TLS
  certs: [],
  // what the SDK and the callers of workers share
  common: ["land", "proto"],
  ir: ["common"],
  dsl: ["ir", "common", "sql"],
  process: ["common"],
  worker: ["common", "land", "proto"],
  client: ["common", "land", "proto"],
  conformance: ["client", "process", "common", "land", "proto"],
  runtime: ["ir", "common"],
  pond: ["common", "sql"],
  pod: ["runtime", "client", "process", "ir", "common", "land", "proto"],
  run: ["pod", "runtime", "pond", "client", "ir", "land", "proto", "common", "process"],
  ui: ["run", "runtime", "dsl", "ir", "common"],
  // `qb k8s`: the IR as manifests (shell-script.ts: a worker's command as the pod runs it)
  k8s: ["ir", "process"],
  // the library's entry point (src/index.ts)
  "(root)": ["run", "runtime", "dsl", "ir", "pond", "common"],
  // the commands import everything; nothing imports them
  cli: [
    "(root)",
    "run",
    "pod",
    "runtime",
    "pond",
    "dsl",
    "ir",
    "conformance",
    "client",
    "process",
    "worker",
    "land",
    "proto",
    "common",
    "sql",
    "ui",
    "k8s",
    "certs",
  ],
};

/** Folders whose code may not touch the file system, the network or processes. */
export const PURE: readonly string[] = ["dsl", "ir", "sql", "k8s"];

export interface SourceFile {
  /** Path relative to src/, with `/`. */
  path: string;
  text: string;
}

/** The folder of src/ a path is in: `worker/x.ts` → worker, `index.ts` → (root). */
export function folderOf(path: string): string {
  const i = path.indexOf("/");
  return i < 0 ? "(root)" : path.slice(0, i);
}

/** Every relative import of a file (static, dynamic, re-export), resolved against src/. */
export function importsOf(file: SourceFile): Array<{ spec: string; target: string }> {
  const out: Array<{ spec: string; target: string }> = [];
  const dir = file.path.split("/").slice(0, -1);
  for (const m of file.text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"([^"]+)"/g)) {
    const spec = m[1]!;
    if (!spec.startsWith(".")) {
      out.push({ spec, target: spec });
      continue;
    }
    const parts = [...dir];
    for (const seg of spec.split("/")) {
      if (seg === "..") parts.pop();
      else if (seg !== ".") parts.push(seg);
    }
    out.push({ spec, target: parts.join("/") });
  }
  return out;
}

/** Every import that breaks the rules above, as `file → import (why)`. */
export function layerViolations(files: SourceFile[]): string[] {
  const bad: string[] = [];
  for (const f of files) {
    const from = folderOf(f.path);
    const allowed = MAY_IMPORT[from];
    if (!allowed) {
      bad.push(`${f.path}: folder \`${from}\` has no entry in MAY_IMPORT`);
      continue;
    }
    for (const { spec, target } of importsOf(f)) {
      if (!spec.startsWith(".")) {
        if (PURE.includes(from) && /^node:|^(fs|child_process|net|http|https|os|dgram|worker_threads)(\/|$)/.test(spec))
          bad.push(`${f.path} → ${spec} (\`${from}\` does no I/O)`);
        continue;
      }
      const to = folderOf(target);
      if (to !== from && !allowed.includes(to))
        bad.push(`${f.path} → ${spec} (\`${from}\` may import ${allowed.length ? allowed.join(", ") : "nothing of ours"})`);
    }
  }
  return bad;
}
