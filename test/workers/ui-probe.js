#!/usr/bin/env node
// The web view tests' worker. Its source is TypeScript (ui-probe.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node test/workers/ui-probe.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./ui-probe.ts", import.meta.url));
