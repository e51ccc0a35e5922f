import type { Command } from "commander";
import { EXIT, UsageError } from "../errors.js";
import { writeJsonLine } from "../run-json.js";

interface CertsFlags {
  host: string[];
  name: string;
  days: string;
  token?: boolean;
  json?: boolean;
}

export function registerCerts(program: Command): void {
  program
    .command("certs")
    .description(
      "make a CA (first time) and a certificate signed by it for mutual TLS between the quarterback and workers on other hosts; " +
        "prints what to set (docs/remote-workers.md); exit 0, or 2 on bad usage",
    )
    .argument("<dir>", "folder for the files (made 0700; every file 0600)")
    .option(
      "--host <name-or-ip>",
      "a DNS name or IP address the certificate is for, besides localhost (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--name <name>", "the files' name: NAME.crt and NAME.key", "qb")
    .option("--days <n>", "how long the certificate is valid", "365")
    .option("--token", "also write DIR/token, a random bearer token (kept if there is one)")
    .option("--json", "print the paths as one JSON object")
    .action(async (dir: string, opts: CertsFlags) => {
      // @peculiar/x509 loads for this command only
      const { makeCerts, CertsError } = await import("../../certs/make-certs.js");
      let made;
      try {
        made = await makeCerts({ dir, hosts: opts.host, name: opts.name, days: Number(opts.days), token: opts.token === true });
      } catch (err) {
        if (err instanceof CertsError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
      if (opts.json) {
        writeJsonLine({ ...made, notAfter: made.notAfter.toISOString() });
        process.exitCode = EXIT.ok;
        return;
      }
      const lines = [
        made.caMade ? `made the CA: ${made.ca} and ${made.caKey} (keep ca.key private: it signs new certificates)` : `signed with the CA in ${made.ca}`,
        `made ${made.cert} and ${made.key} for ${made.hosts.join(", ")}, valid until ${made.notAfter.toISOString().slice(0, 10)}`,
        ...(made.tokenFile ? [made.tokenMade ? `made the token ${made.tokenFile}` : `kept the token ${made.tokenFile}`] : []),
        "",
        "Give each host its own certificate (run again with --name HOST --host HOST), or copy this one to every",
        "host that runs workers or qb run; then set, on each side:",
        `  export QB_TLS_CA=${made.ca}`,
        `  export QB_TLS_CERT=${made.cert}`,
        `  export QB_TLS_KEY=${made.key}`,
        ...(made.tokenFile ? [`  export QB_TOKEN_FILE=${made.tokenFile}`] : []),
        "or give qb run the same files:",
        `  qb run FLOW --tls-ca ${made.ca} --tls-cert ${made.cert} --tls-key ${made.key}${made.tokenFile ? ` --token-file ${made.tokenFile}` : ""} [--callback HOST:PORT]`,
        "Workers on other hosts also need QB_CALLBACK=HOST:PORT (the address given to --callback).",
      ];
      process.stdout.write(lines.join("\n") + "\n");
      process.exitCode = EXIT.ok;
    });
}
