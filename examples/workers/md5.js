#!/usr/bin/env node
// The MD5 worker. Its source is TypeScript (md5.ts); this launcher runs
// its build in dist/ when that is up to date, else the source through tsx: `node examples/workers/md5.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./md5.ts", import.meta.url));
