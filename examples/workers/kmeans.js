#!/usr/bin/env node
// The k-means worker. Its source is TypeScript (kmeans.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node examples/workers/kmeans.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./kmeans.ts", import.meta.url));
