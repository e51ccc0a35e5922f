#!/usr/bin/env node
// The statistics worker. Its source is TypeScript (stats.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node examples/workers/stats.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./stats.ts", import.meta.url));
