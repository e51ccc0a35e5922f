#!/usr/bin/env node
// The no-op benchmark worker. Its source is TypeScript (noop.ts); this launcher runs it
// through tsx, so there is no build step: `node bench/workers/noop.js`.
import { register } from "tsx/esm/api";

register();
await import("./noop.ts");
