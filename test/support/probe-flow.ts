/** Flows over the probe worker (test/workers/probe.ts), written to a folder for `qb run`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./examples.js";

/** Writes `flow name() { worker p {...}; body }` into `dir` and returns its path. */
export function probeFlow(dir: string, name: string, body: string, replicas = 1): string {
  const path = join(dir, `${name}.flow`);
  writeFileSync(path, `flow ${name}() {\n  worker p { run "node ${ROOT}/test/workers/probe.js" replicas ${replicas} }\n${body}\n}\n`);
  return path;
}
