#!/usr/bin/env node
// `qb` in a checkout, linked into node_modules/.bin by `npm ci` (a devDependency on this
// folder). npx finds it there and runs it at once; see scripts/pack-bin.js for why the
// checkout's own package.json does not name `qb` itself.
import "../../bin/qb.js";
