#!/usr/bin/env node
// The Monte Carlo worker. Its source is TypeScript (montecarlo.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node examples/workers/montecarlo.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./montecarlo.ts", import.meta.url));
