/** CSV files read in Node (csv-parse), for a pond that cannot read them itself (MySQL-wire). */
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { LakeSourceError } from "../errors.js";
import { fromText, TextSchemaInference, textValueType } from "../infer.js";
import type { ColumnType, Row, TableSchema } from "../types.js";
import type { RowSource } from "./row-source.js";

/** Records in the order of the file; `first` is the number of the first (1 for the header). */
interface CsvChunk {
  records: string[][];
  first: number;
}

/**
 * Bytes checked to be UTF-8, passed on unchanged: the parser alone would put U+FFFD in
 * place of bad bytes and load the changed text (DuckDB refuses such a file).
 */
function strictUtf8(): Transform {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let offset = 0;
  const bad = (length: number) =>
    new Error(`is not UTF-8 text: a byte sequence that is not UTF-8 within bytes ${offset + 1}–${offset + length} (convert the file to UTF-8)`);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        callback(bad(chunk.length));
        return;
      }
      offset += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      try {
        decoder.decode();
      } catch {
        callback(bad(0));
        return;
      }
      callback();
    },
  });
}

/** The field delimiter of a lake file: a tab for `.tsv`, else a comma. */
export function csvDelimiter(file: string): "," | "\t" {
  return /\.tsv(\.gz)?$/i.test(file) ? "\t" : ",";
}

/** The file's records in chunks, as the parser has them (one await per chunk, not per record). */
async function* chunks(file: string): AsyncGenerator<CsvChunk> {
  const input = createReadStream(file);
  const parser = parse({ bom: true, delimiter: csvDelimiter(file), skip_empty_lines: true });
  let failure: unknown;
  input.on("error", (err) => parser.destroy(err));
  parser.on("error", (err) => (failure ??= err));
  const bytes = /\.gz$/i.test(file) ? input.pipe(createGunzip()).on("error", (err) => parser.destroy(err)) : input;
  bytes
    .pipe(strictUtf8())
    .on("error", (err) => parser.destroy(err))
    .pipe(parser);
  let next = 1;
  const drain = (): CsvChunk => {
    const out: string[][] = [];
    let record: string[] | null;
    while ((record = parser.read() as string[] | null) !== null) out.push(record);
    const chunk = { records: out, first: next };
    next += out.length;
    return chunk;
  };
  try {
    while (true) {
      const chunk = drain();
      if (chunk.records.length > 0) yield chunk;
      if (failure !== undefined) throw failure;
      if (parser.readableEnded) break;
      if (chunk.records.length === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            parser.off("readable", done);
            parser.off("end", done);
            parser.off("error", done);
            parser.off("close", done);
            resolve();
          };
          parser.on("readable", done);
          parser.on("end", done);
          parser.on("error", done);
          parser.on("close", done);
        });
        if (failure !== undefined) throw failure;
        if (parser.readableEnded || parser.destroyed) {
          const last = drain();
          if (last.records.length > 0) yield last;
          break;
        }
      }
    }
  } catch (err) {
    throw new LakeSourceError(file, err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/**
 * The header line of every file (read by the same parser as the rows), the same in each:
 * a file without one, or with another, is refused, naming it.
 */
export async function csvHeader(files: readonly string[]): Promise<string[]> {
  let header: string[] | undefined;
  for (const file of files) {
    let h: string[] | undefined;
    for await (const chunk of chunks(file)) {
      h = chunk.records[0];
      break;
    }
    if (h === undefined) throw new LakeSourceError(file, "is empty: expected a header line");
    if (header === undefined) header = h;
    else if (h.join("\u0000") !== header.join("\u0000"))
      throw new LakeSourceError(file, `its header (${h.join(", ")}) differs from ${files[0]}'s (${header.join(", ")})`);
  }
  return header ?? [];
}

/** Whether text of this inferred kind can go into a column of that type. */
function fits(kind: ColumnType | undefined, type: ColumnType): boolean {
  if (kind === undefined || kind === type || type === "string" || type === "json") return true;
  if (type === "float") return kind === "int";
  if (type === "timestamp") return kind === "date";
  return false;
}

/** One or more CSV files with the same header. */
export function csvSource(files: readonly string[]): RowSource {
  let header: string[] | undefined;

  /** Data records of every file in chunks, after checking each file's header. */
  async function* eachChunk(): AsyncGenerator<CsvChunk & { file: string }> {
    for (const file of files) {
      let sawHeader = false;
      for await (const chunk of chunks(file)) {
        let { records, first } = chunk;
        if (!sawHeader) {
          sawHeader = true;
          const h = records[0]!;
          if (header === undefined) header = h;
          else if (h.join("\u0000") !== header.join("\u0000")) {
            throw new LakeSourceError(file, `its header (${h.join(", ")}) differs from ${files[0]}'s (${header.join(", ")})`);
          }
          records = records.slice(1);
          first++;
        }
        if (records.length > 0) yield { records, first, file };
      }
      if (!sawHeader) throw new LakeSourceError(file, "is empty: expected a header line");
    }
  }

  return {
    async schema(): Promise<TableSchema> {
      let inference: TextSchemaInference | undefined;
      for await (const { records } of eachChunk()) {
        inference ??= new TextSchemaInference(header!);
        for (const record of records) inference.add(record);
      }
      return (inference ?? new TextSchemaInference(header ?? [])).schema();
    },

    async *batches(schema: TableSchema, batchSize: number): AsyncGenerator<Row[]> {
      const types = new Map(schema.map((c) => [c.name, c.type]));
      const toRow = (record: string[], number: number, file: string): Row => {
        const row: Row = {};
        for (let i = 0; i < header!.length; i++) {
          const name = header![i]!;
          const type = types.get(name) ?? "string";
          const text = record[i] ?? "";
          if (!fits(textValueType(text), type)) {
            throw new LakeSourceError(
              file,
              `record ${number} (counting the header as 1): column ${name}: ${JSON.stringify(text)} is not ${/^[aeiou]/.test(type) ? "an" : "a"} ${type} (give the column's type with --schema ${name}:TYPE)`,
            );
          }
          row[name] = fromText(text, type) as Row[string];
        }
        return row;
      };
      let batch: Row[] = [];
      for await (const { records, first, file } of eachChunk()) {
        for (let r = 0; r < records.length; r++) {
          batch.push(toRow(records[r]!, first + r, file));
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    },

    async close(): Promise<void> {},
  };
}
