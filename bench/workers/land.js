#!/usr/bin/env node
// The land benchmark worker. Its source is TypeScript (land.ts); this launcher runs it
// through tsx, so there is no build step: `node bench/workers/land.js`.
import { register } from "tsx/esm/api";

register();
await import("./land.ts");
