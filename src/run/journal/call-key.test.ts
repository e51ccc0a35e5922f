/**
 * call-key: what makes two calls "the same call" for a resumed run. Equal keys are pinned
 * for inputs that only differ in what must not matter (object key order, a land file's
 * path, a listed file's path, a gather's arrival order); distinct keys for everything that
 * must (each identity field, the content, the kind of value).
 */
import { describe, expect, it } from "vitest";
import type { Json } from "../../ir/types.js";
import { LandRef } from "../../land/ref.js";
import { toJson } from "../../pod/item-values.js";
import { arrivalOrdered, gather } from "../../runtime/stream-stages.js";
import { callKey, canonicalInput, filesIn, type CallIdentity, type FileDigests } from "./call-key.js";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);
const NO_FILES: FileDigests = new Map();
const ID: CallIdentity = { step: "sum", worker: "py", version: "1.0.0", method: "add" };

/** A list as `gather` hands it on: its order is the order calls finished in. */
function gathered(...items: Json[]): Json[] {
  arrivalOrdered.add(items);
  return items;
}

/** A land reference as it travels through the channels (a worker answered with it). */
function landItem(path: string, size = 10, sha256 = SHA_A, mediaType = "text/csv"): Json {
  return toJson(new LandRef(path, size, sha256, mediaType));
}

const key = (input: Json, files: FileDigests = NO_FILES, id: CallIdentity = ID): string => callKey(id, input, files);

describe("canonicalInput", () => {
  it.each<[string, Json, string]>([
    ["null", null, "null"],
    ["true", true, "true"],
    ["a number", 1.5, "1.5"],
    ["a string, quoted", "x", '"x"'],
    ["an empty list", [], "[]"],
    ["an empty object", {}, "{}"],
    ["object keys sorted, at every depth", { b: 1, a: { d: [2, { z: null, y: "s" }], c: true } }, '{"a":{"c":true,"d":[2,{"y":"s","z":null}]},"b":1}'],
    ["a list in its own order", [3, 1, 2], "[3,1,2]"],
    ["keys quoted as JSON", { 'a"b': 1, "\n": 2 }, '{"\\n":2,"a\\"b":1}'],
  ])("%s", (_what, input, text) => {
    expect(canonicalInput(input, NO_FILES)).toBe(text);
  });

  it("a real land reference by its content: SHA-256, size and media type, not its path", () => {
    expect(canonicalInput(landItem("out/a.csv", 10, SHA_A, "text/csv"), NO_FILES)).toBe(`land:${SHA_A}:10:"text/csv"`);
  });

  it("a land reference with an XXH128 by that hash, named: never equal to a SHA-256 key", () => {
    const xxh = toJson(new LandRef("out/a.csv", 10, "", "text/csv", "1-2", "ab".repeat(16)));
    expect(canonicalInput(xxh, NO_FILES)).toBe(`land:xxh128=${"ab".repeat(16)}:10:"text/csv"`);
    // the stamp is not identity
    expect(canonicalInput(toJson(new LandRef("out/b.csv", 10, "", "text/csv", undefined, "ab".repeat(16))), NO_FILES)).toBe(canonicalInput(xxh, NO_FILES));
  });

  it("an object shaped like a land reference is data, path and all", () => {
    const data: Json = { $land: { path: "out/a.csv", size: 10, sha256: SHA_A, mediaType: "text/csv" } };
    expect(canonicalInput(data, NO_FILES)).toBe(`{"$land":{"mediaType":"text/csv","path":"out/a.csv","sha256":"${SHA_A}","size":10}}`);
  });

  it("a listed file by its digest, at any depth; a string no file is listed under as itself", () => {
    const files: FileDigests = new Map([["/data/a.csv", SHA_A]]);
    expect(canonicalInput("/data/a.csv", files)).toBe(`file:${SHA_A}`);
    expect(canonicalInput({ file: "/data/a.csv", path: "a.csv", all: ["/data/a.csv", "/data/b.csv"] }, files)).toBe(
      `{"all":[file:${SHA_A},"/data/b.csv"],"file":file:${SHA_A},"path":"a.csv"}`,
    );
  });

  it("a gathered list as the sorted multiset of its items", () => {
    expect(canonicalInput(gathered("b", "a", "b"), NO_FILES)).toBe('["a","b","b"]');
  });
});

describe("callKey: what does not change the key", () => {
  it.each<[string, Json, Json]>([
    ["object key order", { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }],
    ["key order inside a list's objects", [{ x: 1, y: 2 }], [{ y: 2, x: 1 }]],
    ["a land reference's path", landItem("run1/out.csv"), landItem("elsewhere/other-name.csv")],
    ["a gather's order", gathered(1, 2, 3), gathered(3, 1, 2)],
    ["a gather's order, duplicates kept", gathered("a", "b", "a"), gathered("a", "a", "b")],
    ["a gather's order, its items' key order", gathered({ a: 1, b: 2 }, { c: 3 }), gathered({ c: 3 }, { b: 2, a: 1 })],
    ["a gather nested in an object", { all: gathered("x", "y"), n: 1 }, { n: 1, all: gathered("y", "x") }],
    ["a gather of gathers", gathered(gathered(1, 2), gathered(3)), gathered(gathered(3), gathered(2, 1))],
  ])("%s", (_what, a, b) => {
    expect(key(a)).toBe(key(b));
  });

  it("a listed file's path (its content decides)", () => {
    const files: FileDigests = new Map([
      ["/run1/land/a.csv", SHA_A],
      ["/run2/land/a.csv", SHA_A],
    ]);
    expect(key({ file: "/run1/land/a.csv", path: "a.csv" }, files)).toBe(key({ file: "/run2/land/a.csv", path: "a.csv" }, files));
    expect(key("/run1/land/a.csv", files)).toBe(key("/run2/land/a.csv", files));
  });

  it("the list gather really yields", async () => {
    async function* items(...xs: Json[]): AsyncGenerator<Json> {
      yield* xs;
    }
    const lists: Json[] = [];
    for await (const l of gather(items("c", "a", "b"))) lists.push(l);
    for await (const l of gather(items("b", "c", "a"))) lists.push(l);
    expect(lists).toEqual([
      ["c", "a", "b"],
      ["b", "c", "a"],
    ]);
    expect(key(lists[0]!)).toBe(key(lists[1]!));
  });

  it("is the same for the same call every time (no run id, no time)", () => {
    const input: Json = { a: [1, "two", null, { b: false }] };
    expect(key(input)).toBe(key(JSON.parse(JSON.stringify(input)) as Json));
    expect(key(input)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("callKey: what changes the key", () => {
  it.each<[keyof CallIdentity]>([["step"], ["worker"], ["version"], ["method"]])("the %s", (field) => {
    expect(key(1, NO_FILES, { ...ID, [field]: `${ID[field]}2` })).not.toBe(key(1));
  });

  it.each<[string, Partial<CallIdentity>, Partial<CallIdentity>]>([
    ["step|worker", { step: "ab", worker: "c" }, { step: "a", worker: "bc" }],
    ["worker|version", { worker: "py1", version: ".0.0" }, { worker: "py", version: "1.0.0" }],
    ["version|method", { version: "1.0.0a", method: "dd" }, { version: "1.0.0", method: "add" }],
  ])("a character moved across the %s boundary", (_what, a, b) => {
    expect(key(1, NO_FILES, { ...ID, ...a })).not.toBe(key(1, NO_FILES, { ...ID, ...b }));
  });

  it.each<[string, Json, Json]>([
    ["a list's order", [1, 2], [2, 1]],
    ["a plain list's order is not a gather's", ["b", "a"], gathered("b", "a")],
    ["a gather's multiplicities", gathered("a", "a", "b"), gathered("a", "b", "b")],
    ["a gather's length", gathered("a", "b"), gathered("a", "b", "b")],
    ["a value", { a: 1 }, { a: 2 }],
    ["a key", { a: 1 }, { b: 1 }],
    ["a land reference's SHA-256", landItem("a.csv", 10, SHA_A), landItem("a.csv", 10, SHA_B)],
    ["a land reference's size", landItem("a.csv", 10), landItem("a.csv", 11)],
    ["a land reference's media type", landItem("a.csv", 10, SHA_A, "text/csv"), landItem("a.csv", 10, SHA_A, "text/plain")],
    [
      "a reference-shaped object's path (it is data)",
      { $land: { path: "a.csv", size: 10, sha256: SHA_A, mediaType: "text/csv" } },
      { $land: { path: "b.csv", size: 10, sha256: SHA_A, mediaType: "text/csv" } },
    ],
    ["a real reference and a copy of its item (a changed item forges nothing)", landItem("a.csv"), { ...(landItem("a.csv") as Record<string, Json>) }],
  ])("%s", (_what, a, b) => {
    expect(key(a)).not.toBe(key(b));
  });

  it("a listed file's content", () => {
    expect(key({ file: "/d/a.csv" }, new Map([["/d/a.csv", SHA_A]]))).not.toBe(key({ file: "/d/a.csv" }, new Map([["/d/a.csv", SHA_B]])));
  });

  it("no two of these inputs share a key", () => {
    const files: FileDigests = new Map([["/d/a.csv", "abc"]]);
    const inputs: Json[] = [
      "/d/a.csv", // the listed file: file:abc
      "file:abc", // a string that reads like it
      "land:abc", // a string that reads like a land key
      landItem("x", 3, "abc", "text/plain"),
      `land:abc:3:"text/plain"`,
      { $land: { path: "x", size: 3, sha256: "abc", mediaType: "text/plain" } },
      ["/d/a.csv"],
      ["file:abc"],
      [],
      {},
      "[]",
      "{}",
      null,
      "null",
      true,
      "true",
      1,
      "1",
      [1, 2],
      ["1,2"],
      "1,2",
      [[1], 2],
      [1, [2]],
      { a: "b" },
      { "a:b": "" },
      ["a", "b"],
      [gathered("a"), "b"],
      gathered("a", "a"),
      "",
    ];
    const keys = inputs.map((x) => key(x, files));
    // name the clashing pair when there is one
    const clash = keys.flatMap((k, i) => keys.slice(i + 1).flatMap((k2, j) => (k === k2 ? [[inputs[i], inputs[i + 1 + j]]] : [])));
    expect(clash).toEqual([]);
  });
});

describe("filesIn", () => {
  const listed = new Set(["/d/a.csv", "/d/b.csv", "/d/c.csv"]);

  it.each<[string, Json, string[]]>([
    ["a string that is a listed file", "/d/a.csv", ["/d/a.csv"]],
    ["a string that is not", "/d/z.csv", []],
    ["strings at any depth, each once", { x: ["/d/b.csv", { y: "/d/a.csv" }], z: "/d/b.csv" }, ["/d/b.csv", "/d/a.csv"]],
    ["not object keys", { "/d/a.csv": 1 }, []],
    ["nothing in numbers, booleans, null", [1, true, null], []],
  ])("%s", (_what, input, named) => {
    expect([...filesIn(input, listed)]).toEqual(named);
  });

  it("takes a map of listed files too, and adds to the set it is given", () => {
    const out = new Set(["/already"]);
    expect(filesIn(["/d/c.csv"], new Map([["/d/c.csv", undefined]]), out)).toBe(out);
    expect([...out]).toEqual(["/already", "/d/c.csv"]);
  });
});
