/** `qb` from the sources (bin/qb.js runs the bundle of ./run-cli.ts instead, when built). */
import { runCli } from "./run-cli.js";

await runCli(process.argv);
