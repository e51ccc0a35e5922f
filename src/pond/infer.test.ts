import { describe, expect, it } from "vitest";
import { inferSchema, parseSchemaSpec, TextSchemaInference } from "./infer.js";
import { normalizeTimestamp, toUtcTimestampText } from "./timestamps.js";

describe("schema inference", () => {
  it("types JSON rows: int widens to float, date to timestamp, mixed to string; all-null is string", () => {
    const schema = inferSchema([
      { a: 1, b: 1, c: "2026-01-01", d: true, e: null, f: "x", g: { k: 1 } },
      { a: 2, b: 2.5, c: "2026-01-01 10:00:00", d: false, e: null, f: 3, g: [1] },
    ]);
    expect(schema.map((c) => `${c.name}: ${c.type}`)).toEqual(["a: int", "b: float", "c: timestamp", "d: bool", "e: string", "f: string", "g: json"]);
    expect(schema.every((c) => Object.keys(c).join() === "name,type")).toBe(true);
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
  it.each([
    ["2026-01-02 03:04:05.120000", "2026-01-02 03:04:05.12"],
    ["2026-01-02 03:04:05.000000", "2026-01-02 03:04:05"],
    ["2026-01-02 03:04:05", "2026-01-02 03:04:05"],
  ])("drops trailing zeros: %s", (text, want) => {
    expect(normalizeTimestamp(text)).toBe(want);
  });

  const utcOf: Record<string, string> = {
    "2026-01-02T03:04:05.5Z": "2026-01-02 03:04:05.5",
    "2026-01-02T03:04:05.123456+02:00": "2026-01-02 01:04:05.123456",
    "2026-01-02T03:04": "2026-01-02 03:04:00",
    "not a time": "not a time",
  };
  it.each(Object.entries(utcOf))("turns ISO text with a zone into UTC text: %s", (text, utc) => {
    expect(toUtcTimestampText(text)).toBe(utc);
  });

  it("turns a Date into UTC text", () => {
    expect(toUtcTimestampText(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("2026-01-02 03:04:05");
  });
});
