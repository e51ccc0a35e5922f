/** The run directory's readers live in src/run (the web view reads them too): kept here for the commands. */
export * from "../run/run-dir-files.js";
