/** Pond URLs: which driver, and where. */
import { isAbsolute, resolve } from "node:path";
import { PondUrlError } from "./errors.js";

/** The pond used when neither `--pond` nor `QB_POND` is given. */
export const DEFAULT_POND = ".qb/pond.duckdb";

export type PondLocation =
  | { driver: "duckdb"; /** a file path, or ":memory:" */ path: string; url: string }
  | { driver: "mysql"; /** the mysql:// URL as given */ uri: string; url: string };

/** The pond named by the flag, else by `QB_POND`; undefined when neither names one. */
export function namedPondUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined && flag !== "") return flag;
  const fromEnv = env.QB_POND;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
}

/** The pond URL to use: the flag, else `QB_POND`, else `.qb/pond.duckdb`. */
export function resolvePondUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return namedPondUrl(flag, env) ?? DEFAULT_POND;
}

/**
 * `url` with a relative DuckDB path made absolute against `cwd` (a pond named on the command
 * line or in QB_POND is relative to the folder the command was typed in); other URLs as given.
 */
export function anchorPondUrl(url: string, cwd: string): string {
  if (/^duckdb:/i.test(url)) {
    const path = url.slice("duckdb:".length);
    return path === "" || path === ":memory:" || isAbsolute(path) ? url : `duckdb:${resolve(cwd, path)}`;
  }
  return /\.duckdb$/i.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !isAbsolute(url) ? resolve(cwd, url) : url;
}

/**
 * The URL with any password replaced by `***`: the one after `user:` (up to the last `@`,
 * so that an unescaped `@`, `/` or `:` in it is hidden too) and a `password=` query parameter.
 */
export function redactUrl(url: string): string {
  // a DuckDB file's path holds no password (and may hold `:` and `@`)
  if (url === ":memory:" || /^duckdb:/i.test(url) || /\.duckdb$/i.test(url)) return url;
  // an optional scheme, with or without its slashes (a mistyped `mysql:/` must not show
  // the password either)
  const prefix = /^(?:([a-z][a-z0-9+.-]*):)?(\/*)/i.exec(url)!;
  const rest = url.slice(prefix[0].length);
  // the userinfo ends at the first `@` after which the host part (up to `/`, `?` or `#`)
  // holds no other `@` (a password may hold `@`, `/` or `#`; a query after the host may
  // hold `@` too); failing that, at the last `@`
  let at = -1;
  for (let k = rest.indexOf("@"); k >= 0; k = rest.indexOf("@", k + 1)) {
    if (!/^[^/?#]*/.exec(rest.slice(k + 1))![0].includes("@")) {
      at = k;
      break;
    }
  }
  if (at < 0) at = rest.lastIndexOf("@");
  let out = url;
  if (at >= 0) {
    const user = rest.slice(0, at);
    const colon = user.indexOf(":");
    // `user:password@`; without a colon, after a scheme without slashes (`root:pw@h` reads as
    // scheme `root`), the part cannot be told from a password: it is hidden whole
    if (colon >= 0) out = prefix[0] + user.slice(0, colon + 1) + "***" + rest.slice(at);
    else if (prefix[1] !== undefined && prefix[2] === "") out = prefix[0] + "***" + rest.slice(at);
  }
  return out.replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/**
 * Parses a pond URL: `:memory:`, a path ending in `.duckdb`, `duckdb:PATH`
 * (`duckdb::memory:` too), or `mysql://user:password@host:port/database`.
 * Relative paths are resolved against `cwd`.
 */
export function parsePondUrl(url: string, cwd: string = process.cwd()): PondLocation {
  const shown = redactUrl(url);
  if (/^mysql:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PondUrlError(shown, "not a valid URL");
    }
    if (parsed.hostname === "") throw new PondUrlError(shown, "no host");
    if (parsed.pathname.replace(/^\//, "") === "") throw new PondUrlError(shown, "no database (add /DATABASE after the host)");
    return { driver: "mysql", uri: url, url: shown };
  }
  let path: string | undefined;
  if (url === ":memory:") path = ":memory:";
  else if (/^duckdb:/i.test(url)) path = url.slice("duckdb:".length);
  else if (/\.duckdb$/i.test(url)) path = url;
  if (path === undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new PondUrlError(shown, `unknown scheme ${url.split(":")[0]}:`);
    throw new PondUrlError(shown, "not a .duckdb file");
  }
  if (path === "") throw new PondUrlError(shown, "no path after duckdb:");
  if (path !== ":memory:") path = resolve(cwd, path);
  return { driver: "duckdb", path, url: shown };
}
