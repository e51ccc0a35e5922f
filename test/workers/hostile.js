#!/usr/bin/env node
// The hostile worker of the terminal-safety tests. Its source is TypeScript (hostile.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node test/workers/hostile.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./hostile.ts", import.meta.url));
