import { describe, expect, it } from "vitest";
import { compile } from "./compile.js";
import { AttachError, attachWorkers, parseAttach } from "./attach.js";

const PI = `flow pi(n: int = 4) {
  worker mc { run "node mc.js" replicas 3 env {A: "1"} }
  worker other { run "node other.js" }
  hits = range(n) | mc.sample
  more = hits | other.m
  emit more
}`;

function ir() {
  const r = compile(PI, { file: "pi.flow" });
  if (!r.ir) throw new Error(JSON.stringify(r.diagnostics));
  return r.ir;
}

describe("--attach", () => {
  it("parses worker=addresses", () => {
    expect(parseAttach("mc=127.0.0.1:9001, 127.0.0.1:9002")).toEqual({ worker: "mc", addresses: ["127.0.0.1:9001", "127.0.0.1:9002"] });
    expect(parseAttach("mc=unix:/qb/mc.sock")).toEqual({ worker: "mc", addresses: ["unix:/qb/mc.sock"] });
    expect(parseAttach("mc=mc.default.svc.cluster.local:9000").addresses).toEqual(["mc.default.svc.cluster.local:9000"]);
  });

  it.each([
    ["127.0.0.1:9001", "expected worker=host:port"],
    ["=127.0.0.1:9001", "expected worker=host:port"],
    ["mc=127.0.0.1", '"127.0.0.1" is not a worker address'],
    ["mc=127.0.0.1:0", "port 1 to 65535"],
    ["mc=127.0.0.1:70000", "port 1 to 65535"],
    ["mc=127.0.0.1:9001,", '"" is not a worker address'],
  ])("refuses %s", (spec, why) => {
    expect(() => parseAttach(spec)).toThrow(AttachError);
    expect(() => parseAttach(spec)).toThrow(why);
  });

  it("replaces run with the addresses, one replica each, and keeps the rest", () => {
    const out = attachWorkers(ir(), [parseAttach("mc=127.0.0.1:9001,127.0.0.1:9002")]);
    const mc = out.workers.find((w) => w.name === "mc")!;
    expect(mc.run).toBeUndefined();
    expect(mc.at).toEqual(["127.0.0.1:9001", "127.0.0.1:9002"]);
    expect(mc.replicas).toBe(2);
    expect(mc.env).toEqual({ A: "1" });
    // the other worker is untouched, and so is the input
    expect(out.workers.find((w) => w.name === "other")).toEqual(ir().workers.find((w) => w.name === "other"));
    expect(ir().workers[0]!.run).toBe("node mc.js");
  });

  it("refuses an unknown worker, naming the flow's workers", () => {
    expect(() => attachWorkers(ir(), [parseAttach("mx=127.0.0.1:9001")])).toThrow("flow pi has no worker mx (its workers: mc, other)");
  });

  it("refuses a worker attached twice", () => {
    expect(() => attachWorkers(ir(), [parseAttach("mc=127.0.0.1:9001"), parseAttach("mc=127.0.0.1:9002")])).toThrow("attached twice");
  });
});
