import { describe, expect, it } from "vitest";
import { PondUrlError } from "./errors.js";
import { DEFAULT_POND, parsePondUrl, redactUrl, resolvePondUrl } from "./url.js";

describe("pond URLs", () => {
  it("picks DuckDB for .duckdb paths, duckdb:PATH and :memory:", () => {
    expect(parsePondUrl("data/p.duckdb", "/w")).toEqual({ driver: "duckdb", path: "/w/data/p.duckdb", url: "data/p.duckdb" });
    expect(parsePondUrl("duckdb:/abs/p.db", "/w")).toMatchObject({ driver: "duckdb", path: "/abs/p.db" });
    expect(parsePondUrl(":memory:")).toMatchObject({ driver: "duckdb", path: ":memory:" });
    expect(parsePondUrl("duckdb::memory:")).toMatchObject({ driver: "duckdb", path: ":memory:" });
  });

  it("picks MySQL-wire for mysql:// URLs, hiding the password", () => {
    expect(parsePondUrl("mysql://root:s3cret@singlestore:3306/db")).toEqual({
      driver: "mysql",
      uri: "mysql://root:s3cret@singlestore:3306/db",
      url: "mysql://root:***@singlestore:3306/db",
    });
    expect(redactUrl("mysql://root@h/db")).toBe("mysql://root@h/db");
  });

  // the whole password, whatever it holds, a password given as a query parameter, and a
  // mistyped URL's, keeping the host when a query or fragment holds @
  it.each([
    // an unescaped @ in the password: the authority ends at the last @, as URL parsers take it
    ["mysql://root:s3c@ret@h:3306/db", "mysql://root:***@h:3306/db"],
    ["mysql://root:a:b@h/db", "mysql://root:***@h/db"],
    ["mysql://root:pw@h/db?password=other&ssl=true", "mysql://root:***@h/db?password=***&ssl=true"],
    ["mysql://root@h/db?charset=utf8mb4&password=pw", "mysql://root@h/db?charset=utf8mb4&password=***"],
    ["mysql://root:pa/ss#x@h/db", "mysql://root:***@h/db"],
    ["mysql:/root:s3cret@h/db", "mysql:/root:***@h/db"],
    ["mysql:root:s3cret@h/db", "mysql:root:***@h/db"],
    ["root:s3cret@h/db", "root:***@h/db"],
    ["mysql://root@h:3306/db?note=a@b", "mysql://root@h:3306/db?note=a@b"],
    ["mysql://root:s3cret@h/db#x@y", "mysql://root:***@h/db#x@y"],
    ["mysql://root:s3cret@dbé.example/db", "mysql://root:***@dbé.example/db"],
    ["mysql://root:s3cret@h /db", "mysql://root:***@h /db"],
    // a DuckDB path is shown as it is
    ["/mnt/me:team@nas/p.duckdb", "/mnt/me:team@nas/p.duckdb"],
    ["duckdb:/data/a:b@c/p.duckdb", "duckdb:/data/a:b@c/p.duckdb"],
  ])("shows %s as %s", (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it("keeps a password out of the error for a URL it refuses", () => {
    for (const bad of ["mysql:/root:s3cret@h/db", "root:s3cret@h/db", "postgres://root:s3cret@h/test", "mysql://root:s3cret@h /db"]) {
      expect(() => parsePondUrl(bad)).toThrow(/bad pond URL/);
      expect(() => parsePondUrl(bad)).not.toThrow(/s3cret/);
    }
    expect(parsePondUrl("mysql://root:s3c@ret@h:3306/db").url).not.toContain("ret");
    // a URL of a scheme the pond refuses is shown without its password too
    expect(() => parsePondUrl("postgres://root:s3cret@h/db")).toThrow(/postgres:\/\/root:\*\*\*@h\/db/);
    expect(() => parsePondUrl("postgres://root:s3cret@h/db")).not.toThrow(/s3cret/);
  });

  it("refuses what names no driver", () => {
    expect(() => parsePondUrl("pond.sqlite")).toThrow(PondUrlError);
    expect(() => parsePondUrl("postgres://h/db")).toThrow(/unknown scheme postgres:/);
    expect(() => parsePondUrl("mysql://h")).toThrow(/no database/);
    expect(() => parsePondUrl("mysql://root:pw@h")).toThrow(/mysql:\/\/root:\*\*\*@h/);
  });

  it("takes the flag, else QB_POND, else .qb/pond.duckdb", () => {
    expect(resolvePondUrl("a.duckdb", { QB_POND: "b.duckdb" })).toBe("a.duckdb");
    expect(resolvePondUrl(undefined, { QB_POND: "b.duckdb" })).toBe("b.duckdb");
    expect(resolvePondUrl(undefined, {})).toBe(DEFAULT_POND);
    expect(DEFAULT_POND).toBe(".qb/pond.duckdb");
  });
});
