/** What `--from` names: CSV or Parquet files (a path or a glob), or a table of a MySQL-wire database. */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { glob } from "tinyglobby";
import { LakeSourceError } from "../errors.js";
import { checkTableName } from "../names.js";
import { redactUrl } from "../url.js";

export type FileKind = "csv" | "parquet";

export type SourceSpec =
  { kind: FileKind; files: string[]; /** for messages and qb_generations */ shown: string } | { kind: "mysql"; uri: string; table: string; shown: string };

function fileKind(path: string): FileKind | undefined {
  if (/\.(csv|tsv)(\.gz)?$/i.test(path)) return "csv";
  if (/\.parquet$/i.test(path)) return "parquet";
  return undefined;
}

/**
 * Resolves `--from`: a mysql:// URL (reading `sourceTable`, by default the pond table's
 * name), a file, or a glob of files of one kind, sorted.
 */
export async function resolveSource(from: string, options: { cwd: string; table: string; sourceTable?: string }): Promise<SourceSpec> {
  if (/^mysql:\/\//i.test(from)) {
    const table = options.sourceTable ?? options.table;
    checkTableName(table);
    return { kind: "mysql", uri: from, table, shown: `${redactUrl(from)} table ${table}` };
  }
  const direct = isAbsolute(from) ? from : resolve(options.cwd, from);
  let files: string[];
  if (existsSync(direct)) {
    if (!statSync(direct).isFile()) throw new LakeSourceError(from, "is not a file (give a file, or a glob such as dir/*.csv)", { missing: true });
    files = [direct];
  } else if (/[*?[\]{}]/.test(from)) {
    files = (await glob(from, { cwd: options.cwd, absolute: true, onlyFiles: true })).sort();
    if (files.length === 0) throw new LakeSourceError(from, "no file matches this pattern", { missing: true });
  } else {
    throw new LakeSourceError(from, `no such file (looked for ${direct})`, { missing: true });
  }
  const kinds = new Set(files.map(fileKind));
  if (kinds.has(undefined)) {
    const odd = files.find((f) => fileKind(f) === undefined)!;
    throw new LakeSourceError(from, `cannot read ${odd}: expected .csv, .csv.gz, .tsv or .parquet`, { missing: true });
  }
  if (kinds.size > 1) throw new LakeSourceError(from, "mixes CSV and Parquet files; sync them separately", { missing: true });
  const kind = [...kinds][0]!;
  return { kind, files, shown: files.length === 1 ? files[0]! : `${from} (${files.length} files)` };
}
