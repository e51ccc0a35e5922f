#!/usr/bin/env node
// The Monte Carlo worker. Its source is TypeScript (montecarlo.ts); this launcher runs it
// through tsx, so there is no build step: `node examples/workers/montecarlo.js`.
import { register } from "tsx/esm/api";

register();
await import("./montecarlo.ts");
