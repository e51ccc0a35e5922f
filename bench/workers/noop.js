#!/usr/bin/env node
// The no-op benchmark worker. Its source is TypeScript (noop.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node bench/workers/noop.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./noop.ts", import.meta.url));
