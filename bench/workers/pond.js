#!/usr/bin/env node
// The pond-scan benchmark worker. Its source is TypeScript (pond.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node bench/workers/pond.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./pond.ts", import.meta.url));
