#!/usr/bin/env node
// The stateless k-means benchmark worker. Its source is TypeScript (kmeans-plain.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node bench/workers/kmeans-plain.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./kmeans-plain.ts", import.meta.url));
