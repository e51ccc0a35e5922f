/**
 * What `qb ui` and `qb run --ui` share: reading the flags (port, host, token file) into the
 * server's options, refusing bad ones as usage errors before anything starts, and serving
 * until SIGINT or SIGTERM.
 */
import { UiAuthConfigError, UiServeError, UiServer, readTokenFile, type UiServerOptions } from "../ui/index.js";
import { UsageError } from "./errors.js";

export interface ServeFlags {
  port?: string;
  host?: string;
  tokenFile?: string;
}

/** `names` are the flags as the command spells them, for messages. */
export function serveOptions(flags: ServeFlags, names: { port: string; tokenFile: string }, defaultPort: number): Omit<UiServerOptions, "cwd"> {
  const port = flags.port === undefined ? defaultPort : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${names.port} ${flags.port}: expected a port number (0: any free port)`);
  try {
    const token = flags.tokenFile !== undefined ? readTokenFile(flags.tokenFile) : undefined;
    return { port, ...(flags.host !== undefined ? { host: flags.host } : {}), ...(token !== undefined ? { token } : {}), tokenFlag: names.tokenFile };
  } catch (err) {
    throw err instanceof UiAuthConfigError ? new UsageError(`${names.tokenFile}: ${err.message}`, { cause: err }) : err;
  }
}

export async function startServer(options: UiServerOptions): Promise<UiServer> {
  try {
    return await UiServer.start(options);
  } catch (err) {
    if (err instanceof UiAuthConfigError || err instanceof UiServeError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/** How to open the page, for the terminal (the token stays in its file). */
export function openHint(server: UiServer, url: string): string {
  return server.needsToken ? `${url}${url.includes("?") ? "&" : "?"}token=<the token in the file> (once; then a cookie keeps it)` : url;
}

/** Resolves on the first SIGINT or SIGTERM, after closing the server. */
export function serveUntilSignal(server: UiServer): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(() => resolve(sig));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
