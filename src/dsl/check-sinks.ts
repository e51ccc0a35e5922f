import type { Member } from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import { constString } from "./expressions.js";
import { landFile } from "./land-path.js";
import type { Span } from "./span.js";
import type { SinkIR } from "../ir/types.js";
import type { CheckContext } from "./check-context.js";
import { stepRef } from "./check-names.js";

/*
 * Sinks, where results go: `emit step`, `into pond.table("t") step`, `into land("path") step`.
 * Each step is emitted once and each land file written once, or items would be doubled or mixed.
 */

type Into = Extract<Member, { kind: "into" }>;

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export function checkSinks(cx: CheckContext, members: readonly Member[]): SinkIR[] {
  const sinks: SinkIR[] = [];
  const emitted = new Map<string, Span>();
  const landPaths = new Map<string, Span>();
  for (const m of members) {
    if (m.kind === "emit") {
      for (const n of m.names) {
        const prev = emitted.get(n.name);
        if (prev) {
          cx.report(diagnostic("QB4008", n.span, `\`${n.name}\` is already emitted at ${cx.where(prev)}`));
          continue;
        }
        emitted.set(n.name, n.span);
        if (stepRef(cx, n)) sinks.push({ kind: "emit", step: n.name, loc: cx.loc(n.span) });
      }
    } else if (m.kind === "into") {
      const sink = into(cx, m, landPaths);
      if (sink) sinks.push(sink);
    }
  }
  return sinks;
}

/** The key columns of `upsert by`, each once; [] for the other modes; undefined after a mistake. */
function keyColumns(cx: CheckContext, m: Into): string[] | undefined {
  const seen = new Set<string>();
  let ok = true;
  for (const k of m.mode?.keys ?? []) {
    if (seen.has(k.name)) {
      cx.report(diagnostic("QB2003", k.span, `key column \`${k.name}\` given twice`));
      ok = false;
    }
    seen.add(k.name);
  }
  return ok ? [...seen] : undefined;
}

/** An `into` sink, or undefined after a mistake; `landPaths` holds the land files written so far. */
function into(cx: CheckContext, m: Into, landPaths: Map<string, Span>): SinkIR | undefined {
  const dep = stepRef(cx, m.step);
  if (m.target.kind === "pond") {
    const table = constString(m.target.table, "a table name", cx.constScope);
    const keys = keyColumns(cx, m);
    if (table !== undefined && !TABLE_NAME.test(table)) {
      cx.report(diagnostic("QB3012", m.target.table.span, `\`${table}\` is not a valid table name`, "use letters, digits and `_`, optionally `schema.table`"));
    } else if (table !== undefined && dep && keys) {
      const mode = m.mode?.kind ?? "append";
      return { kind: "pond", table, step: m.step.name, mode, ...(mode === "upsert" ? { key: keys } : {}), loc: cx.loc(m.span) };
    }
    return undefined;
  }
  if (m.mode) {
    cx.report(
      diagnostic("QB4004", m.mode.span, `\`into land\` writes a file of its own: it takes no \`${m.mode.kind}\``, "modes are for `into pond.table(...)`"),
    );
    return undefined;
  }
  const path = constString(m.target.path, "a land path", cx.constScope);
  const file = path === undefined ? undefined : landFile(path);
  const sp = m.target.path.span;
  if (file && !file.ok) {
    if (file.why === "not-a-file") cx.report(diagnostic("QB3011", sp, `\`${path}\` is not a file under the land`, "name a file, like `out/result.jsonl`"));
    else if (file.why === "parent")
      cx.report(diagnostic("QB3011", sp, `\`${path}\` uses \`..\``, `land paths may not contain \`..\`: write \`${file.suggestion}\``));
    else
      cx.report(
        diagnostic("QB3011", sp, `\`${path}\` is outside the land`, "land paths are relative, like `out/result.jsonl`, and may not use `..` to leave the land"),
      );
  } else if (file) {
    const prev = landPaths.get(file.path);
    if (prev) cx.report(diagnostic("QB4013", sp, `\`${file.path}\` is already written at ${cx.where(prev)}`, "write each step to its own file"));
    landPaths.set(file.path, sp);
    if (dep) return { kind: "land", path: file.path, step: m.step.name, loc: cx.loc(m.span) };
  }
  return undefined;
}
