#!/usr/bin/env node
// The stats worker. Its source is TypeScript (stats.ts); this launcher runs it through tsx, so
// there is no build step: `node examples/workers/stats.js`.
import { register } from "tsx/esm/api";

register();
await import("./stats.ts");
