/** `openPond(url)`: the pond a URL names, with the driver it needs. */
import { pondFromDriver } from "./sql-pond.js";
import type { Pond } from "./types.js";
import { parsePondUrl, resolvePondUrl } from "./url.js";

/**
 * Opens the pond at `url` (see parsePondUrl); with no URL, `QB_POND` or else
 * `.qb/pond.duckdb`. Relative DuckDB paths are resolved against `cwd`. `readOnly`: an
 * embedded pond is opened to read, shared with other readers (a MySQL-wire pond is
 * always shared; the flag changes nothing there).
 */
export async function openPond(url?: string, options: { cwd?: string; env?: NodeJS.ProcessEnv; readOnly?: boolean } = {}): Promise<Pond> {
  const location = parsePondUrl(resolvePondUrl(url, options.env), options.cwd);
  // each driver loads only when a pond of its kind is opened (DuckDB alone costs ~0.4 s),
  // so commands that never touch a pond stay fast
  const driver =
    location.driver === "duckdb"
      ? await (await import("./duckdb/driver.js")).openDuckDbPond(location.path, location.url, options.readOnly === true)
      : await (await import("./mysql/driver.js")).openMysqlPond(location.uri, location.url);
  return pondFromDriver(driver);
}
