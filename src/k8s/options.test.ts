import { describe, expect, it } from "vitest";
import { dnsLabel, isDnsLabel } from "./names.js";
import { K8sOptionError, landPlacement, parseLakeSync } from "./options.js";
import { cpuQuantity, memoryQuantity, parseMemoryQuantity } from "./quantities.js";

describe("--lake-sync", () => {
  it("reads TABLE=SOURCE and the sync's options", () => {
    expect(parseLakeSync("sales=/lake/sales.csv key id")).toEqual({ table: "sales", from: { kind: "path", path: "/lake/sales.csv" }, key: ["id"] });
    expect(parseLakeSync("  t=data/*.parquet key a,b incremental-by ts schema a:int,b:string source-table src ")).toEqual({
      table: "t",
      from: { kind: "path", path: "data/*.parquet" },
      key: ["a", "b"],
      incrementalBy: "ts",
      schema: "a:int,b:string",
      sourceTable: "src",
    });
    expect(parseLakeSync("sales=secret:lake-db/url")).toEqual({ table: "sales", from: { kind: "secret", secret: "lake-db", key: "url" } });
  });

  it.each([
    ["sales", "expected TABLE=SOURCE"],
    ["sales=", "expected TABLE=SOURCE"],
    ["9x=a.csv", "is not a table name"],
    ["sales=mysql://root:pw@db/x", "a URL may hold credentials; put it in a Secret"],
    ["sales=secret:Lake/url", "expected secret:NAME/KEY"],
    ["sales=secret:lake", "expected secret:NAME/KEY"],
    ["sales=a.csv key", "`key` needs a value"],
    ["sales=a.csv key id key id", "`key` given twice"],
    ["sales=a.csv key a;b", "expected column names"],
    ["sales=a.csv primary id", "unknown word `primary`"],
  ])("refuses %s", (spec, why) => {
    expect(() => parseLakeSync(spec)).toThrow(K8sOptionError);
    expect(() => parseLakeSync(spec)).toThrow(why);
  });
});

describe("names and quantities", () => {
  it("makes DNS labels of flow names", () => {
    expect(dnsLabel("estimate_pi")).toBe("estimate-pi");
    expect(dnsLabel("_A__b_")).toBe("a-b");
    expect(dnsLabel("___")).toBe("x");
    const long = dnsLabel("a".repeat(100));
    expect(long).toHaveLength(63);
    expect(isDnsLabel(long)).toBe(true);
    // cut names stay apart
    expect(dnsLabel("a".repeat(100) + "1")).not.toBe(dnsLabel("a".repeat(100) + "2"));
    expect(dnsLabel("abc", 2)).toHaveLength(2);
  });

  it("writes cpu and memory as Kubernetes quantities", () => {
    expect([cpuQuantity(0.5), cpuQuantity(2), cpuQuantity(1.25), cpuQuantity(0.0001)]).toEqual(["500m", "2", "1250m", "1m"]);
    expect([memoryQuantity(512 * 2 ** 20), memoryQuantity(2 ** 30), memoryQuantity(1536 * 2 ** 20), memoryQuantity(1000)]).toEqual([
      "512Mi",
      "1Gi",
      "1536Mi",
      "1000",
    ]);
  });
});

describe("--land and --land-size: where the land lives", () => {
  it("auto keeps a land of up to 4Gi in memory (1Gi by default) and puts a larger one on disk", () => {
    expect(landPlacement("auto", undefined)).toEqual({ medium: "memory", sizeLimit: "1Gi" });
    expect(landPlacement("auto", "4Gi")).toEqual({ medium: "memory", sizeLimit: "4Gi" });
    expect(landPlacement("auto", "4097Mi")).toEqual({ medium: "disk" });
    expect(landPlacement("auto", "5G")).toEqual({ medium: "disk" });
  });

  it("memory and disk are taken as said", () => {
    expect(landPlacement("memory", "8Gi")).toEqual({ medium: "memory", sizeLimit: "8Gi" });
    expect(landPlacement("memory", undefined)).toEqual({ medium: "memory", sizeLimit: "1Gi" });
    expect(landPlacement("disk", undefined)).toEqual({ medium: "disk" });
  });

  it("refuses what it cannot honour, saying what was expected", () => {
    expect(() => landPlacement("ram", undefined)).toThrow(new K8sOptionError("--land ram: expected auto, memory or disk"));
    expect(() => landPlacement("auto", "lots")).toThrow(/--land-size lots: expected a memory quantity, e.g. 512Mi or 2Gi/);
    expect(() => landPlacement("disk", "1Gi")).toThrow(/--land-size is the size of a land in memory/);
  });

  it("reads Kubernetes memory quantities", () => {
    expect(["512Mi", "2Gi", "1G", "1048576", "1.5Gi", "3k"].map(parseMemoryQuantity)).toEqual([512 * 2 ** 20, 2 * 2 ** 30, 1e9, 1048576, 1.5 * 2 ** 30, 3000]);
    expect(["", "Gi", "-1Gi", "1 GB", "0", "1gi"].map(parseMemoryQuantity)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
