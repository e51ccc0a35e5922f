#!/usr/bin/env node
// The land benchmark worker. Its source is TypeScript (land.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node bench/workers/land.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./land.ts", import.meta.url));
