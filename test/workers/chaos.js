#!/usr/bin/env node
// Runs chaos.ts through tsx, as the example workers do.
import { register } from "tsx/esm/api";

register();
await import("./chaos.ts");
