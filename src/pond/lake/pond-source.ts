/**
 * Lake sources read through a pond: a table of a MySQL-wire database, or Parquet files
 * read by an in-memory DuckDB (for a MySQL-wire pond, which cannot read Parquet).
 */
import { openPond } from "../open.js";
import { TextList } from "../params.js";
import { quoteTable } from "../names.js";
import type { Pond, Row, TableSchema } from "../types.js";
import type { RowSource } from "./row-source.js";

function fromPond(
  open: () => Promise<Pond>,
  schemaOf: (p: Pond) => Promise<TableSchema>,
  selectFrom: (p: Pond) => { from: string; values: unknown[] },
): RowSource {
  let pond: Pond | undefined;
  const get = async () => (pond ??= await open());
  return {
    async schema() {
      return schemaOf(await get());
    },
    async *batches(_schema: TableSchema, batchSize: number, after?: { column: string; value: unknown }): AsyncGenerator<Row[]> {
      const p = await get();
      const { from, values } = selectFrom(p);
      const where = after === undefined ? "" : ` WHERE ${p.dialect.quoteId(after.column)} > ?`;
      yield* p.stream(`SELECT * FROM ${from}${where}`, after === undefined ? values : [...values, after.value], { batchSize });
    },
    async close() {
      await pond?.close();
    },
  };
}

/** A table of a MySQL-wire database. */
export function mysqlTableSource(uri: string, table: string): RowSource {
  return fromPond(
    () => openPond(uri),
    async (p) => {
      const schema = await p.tableSchema(table);
      if (schema === undefined) throw new Error(`no table ${table} in ${p.url}`);
      return schema;
    },
    (p) => ({ from: quoteTable(p.dialect, table), values: [] }),
  );
}

/** Parquet files, read by an in-memory DuckDB. */
export function parquetSource(files: readonly string[]): RowSource {
  const list = new TextList(files);
  return fromPond(
    () => openPond(":memory:"),
    async (p) => {
      const rows = await p.query("DESCRIBE SELECT * FROM read_parquet(?)", [list]);
      return rows.map((r) => ({ name: String(r.column_name), type: p.dialect.columnType(String(r.column_type)) }));
    },
    () => ({ from: "read_parquet(?)", values: [list] }),
  );
}
