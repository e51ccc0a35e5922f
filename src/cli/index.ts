/** The qb commands (run, runs, logs, check, fmt, graph, compile, pond, worker test); nothing imports this folder. */
export { runCli } from "./run-cli.js";
