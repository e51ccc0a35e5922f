/** `openPond(url)`: the pond a URL names, with the driver it needs. */
import { openDuckDbPond } from "./duckdb/driver.js";
import { openMysqlPond } from "./mysql/driver.js";
import { pondFromDriver } from "./sql-pond.js";
import type { Pond } from "./types.js";
import { parsePondUrl, resolvePondUrl } from "./url.js";

/**
 * Opens the pond at `url` (see parsePondUrl); with no URL, `QB_POND` or else
 * `.qb/pond.duckdb`. Relative DuckDB paths are resolved against `cwd`.
 */
export async function openPond(url?: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Pond> {
  const location = parsePondUrl(resolvePondUrl(url, options.env), options.cwd);
  const driver = location.driver === "duckdb" ? await openDuckDbPond(location.path, location.url) : await openMysqlPond(location.uri, location.url);
  return pondFromDriver(driver);
}
