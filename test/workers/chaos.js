#!/usr/bin/env node
// The chaos worker of the end-to-end tests. Its source is TypeScript (chaos.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node test/workers/chaos.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./chaos.ts", import.meta.url));
