import { join } from "node:path";
import { compile } from "../src/dsl/compile.js";
import { LocalPod } from "../src/pod/local-pod.js";
import { runEngine } from "../src/runtime/engine.js";
import { REPO, makeTemp, removeTemp } from "./workers/harness.js";
const FLOW = (n: number) => `flow o(n: int = ${n}) {
  worker w { run "node bench/workers/noop.js" replicas 2 }
  xs = range(n) | w.noop parallel 1024
  x  = xs | last
  emit x
}`;
const ir = (n: number) => compile(FLOW(n), { file: "o.flow" }).ir!;
const dir = makeTemp("prof");
const pod = await LocalPod.start(ir(1), { runDir: join(dir, "run"), land: join(dir, "run", "land"), cwd: REPO, socketDir: join(dir, "s") });
await runEngine(ir(20000), { dispatcher: pod, defaultParallel: (w) => pod.defaultParallel(w) });
const t = performance.now();
const n = Number(process.env.N ?? 200000);
await runEngine(ir(n), { dispatcher: pod, defaultParallel: (w) => pod.defaultParallel(w) });
const ms = performance.now() - t;
console.log(JSON.stringify({ n, ms, perS: (n * 1000) / ms }));
await pod.close();
removeTemp(dir);
