import { describe, expect, it } from "vitest";
import { inferSchema, parseSchemaSpec, TextSchemaInference } from "./infer.js";
import { normalizeTimestamp, toUtcTimestampText } from "./timestamps.js";

describe("schema inference", () => {
  it("types JSON rows: int widens to float, date to timestamp, mixed to string; all-null is string", () => {
    expect(
      inferSchema([
        { a: 1, b: 1, c: "2026-01-01", d: true, e: null, f: "x", g: { k: 1 } },
        { a: 2, b: 2.5, c: "2026-01-01 10:00:00", d: false, e: null, f: 3, g: [1] },
      ]),
    ).toEqual([
      { name: "a", type: "int" },
      { name: "b", type: "float" },
      { name: "c", type: "timestamp" },
      { name: "d", type: "bool" },
      { name: "e", type: "string" },
      { name: "f", type: "string" },
      { name: "g", type: "json" },
    ]);
  });

  it("types CSV text, empty fields fitting any type", () => {
    const inf = new TextSchemaInference(["id", "x", "day", "ok", "name", "at", "iso"]);
    inf.add(["1", "1", "2026-01-02", "true", "007", "2026-01-02 03:04:05", "2026-01-02T03:04:05Z"]);
    inf.add(["2", "1.5e3", "", "f", "abc", "", ""]);
    // as DuckDB's CSV reader: ISO text with T and a zone stays text
    expect(inf.schema().map((c) => c.type)).toEqual(["int", "float", "date", "bool", "string", "timestamp", "string"]);
  });

  it("types a T timestamp without a zone as a timestamp, and a day in the years 0-99 as a day, as DuckDB's reader does", () => {
    const inf = new TextSchemaInference(["t", "old", "zoned"]);
    inf.add(["2026-01-02T03:04:05", "0099-03-04", "2026-01-02T03:04:05+01:00"]);
    inf.add(["2026-01-03T00:00", "0001-01-01", "2026-01-02T03:04:05Z"]);
    expect(inf.schema().map((c) => c.type)).toEqual(["timestamp", "date", "string"]);
  });

  it("parses --schema", () => {
    expect(parseSchemaSpec("id:int, amount:double,name:text,at:timestamp")).toEqual([
      { name: "id", type: "int" },
      { name: "amount", type: "float" },
      { name: "name", type: "string" },
      { name: "at", type: "timestamp" },
    ]);
    expect(() => parseSchemaSpec("id")).toThrow(/expected column:type/);
    expect(() => parseSchemaSpec("id:money")).toThrow(/unknown type "money"/);
    expect(() => parseSchemaSpec("id:int,id:float")).toThrow(/given twice/);
  });
});

describe("timestamps", () => {
  it("drops trailing zeros", () => {
    expect(normalizeTimestamp("2026-01-02 03:04:05.120000")).toBe("2026-01-02 03:04:05.12");
    expect(normalizeTimestamp("2026-01-02 03:04:05.000000")).toBe("2026-01-02 03:04:05");
    expect(normalizeTimestamp("2026-01-02 03:04:05")).toBe("2026-01-02 03:04:05");
  });

  it("turns ISO text with a zone into UTC text", () => {
    expect(toUtcTimestampText("2026-01-02T03:04:05.5Z")).toBe("2026-01-02 03:04:05.5");
    expect(toUtcTimestampText("2026-01-02T03:04:05.123456+02:00")).toBe("2026-01-02 01:04:05.123456");
    expect(toUtcTimestampText("2026-01-02T03:04")).toBe("2026-01-02 03:04:00");
    expect(toUtcTimestampText(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("2026-01-02 03:04:05");
    expect(toUtcTimestampText("not a time")).toBe("not a time");
  });
});
