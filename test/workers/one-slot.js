#!/usr/bin/env node
// The one-slot worker of the end-to-end tests (one-slot.ts); runs its build in dist/ when that
// is up to date, else the source through tsx: `node test/workers/one-slot.js`.
import { launchTs } from "../../bin/launch-ts.js";

await launchTs(new URL("./one-slot.ts", import.meta.url));
