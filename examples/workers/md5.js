#!/usr/bin/env node
// The MD5 worker. Its source is TypeScript (md5.ts); this launcher runs it through tsx, so
// there is no build step: `node examples/workers/md5.js`.
import { register } from "tsx/esm/api";

register();
await import("./md5.ts");
