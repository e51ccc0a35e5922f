#!/usr/bin/env node
// The large-value tests' worker. Its source is TypeScript (big-value.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node test/workers/big-value.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./big-value.ts", import.meta.url));
