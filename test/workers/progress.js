#!/usr/bin/env node
// The progress worker of the end-to-end tests (progress.ts); runs its build in dist/ when that
// is up to date, else the source through tsx: `node test/workers/progress.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./progress.ts", import.meta.url));
