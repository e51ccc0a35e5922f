#!/usr/bin/env node
// The land-probe worker of the end-to-end tests. Its source is TypeScript (land-probe.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node test/workers/land-probe.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./land-probe.ts", import.meta.url));
