/**
 * Generates the "Diagnostics" section of docs/dsl.md from DIAGNOSTIC_CODES and the
 * checked-in baselines, so the reference shows real flows with their exact output.
 */
import { readFileSync } from "node:fs";
import { DIAGNOSTIC_CODES } from "../../src/dsl/diagnostics.js";
import { NO_BASELINE, baselineNames, displayPath, flowPath, paramsOf, parseRendered, readExpected } from "./harness.js";

export const BEGIN = "<!-- diagnostics:begin -->";
export const END = "<!-- diagnostics:end -->";

interface Example {
  name: string;
  flow: string;
  expected: string;
  codes: Set<string>;
}

function examples(): Example[] {
  return baselineNames().map((name) => {
    const expected = readExpected(name);
    return { name, flow: readFileSync(flowPath(name), "utf8"), expected, codes: new Set(parseRendered(expected).map((b) => b.code)) };
  });
}

/** What the docs say about a code no baseline shows (see NO_BASELINE in harness.ts). */
const WITHOUT_BASELINE: Readonly<Record<string, string>> = {
  QB5001:
    "Reported by `qb run` after the workers start and before any call, when a worker's " +
    "`Describe` does not list a method the flow calls, at the call's line and column, with the " +
    "nearest method it does serve: `error QB5001: worker \`mc\` has no method \`sampel\`` / " +
    "`= help: did you mean \`sample\`?`. Nothing runs; the exit code is 2.",
  QB5002:
    "Reported by `qb run` when `hold` does not match the worker: the flow says `hold` on a plain " +
    "method (`\`mc.add\` is not a held method, but the flow says \`hold\``), or calls a held method " +
    "(one that yields and awaits signals) without `hold`. Nothing runs; the exit code is 2.",
};

/** The most telling example of a code, where the first in alphabetical order is not. */
const PREFERRED: Readonly<Record<string, string>> = {
  QB1004: "qb1004-python-kwargs",
  QB1005: "qb1005-nextflow-collect",
  QB2001: "qb2001-param-typo",
  QB2002: "qb2002-worker-typo",
  QB2003: "qb2003-duplicate-step",
  QB2004: "qb2004-item-in-source",
  QB3001: "qb3001-string-plus-int",
  QB3004: "qb3004-timeout-without-unit",
  QB3005: "qb3005-memory-string",
  QB3009: "qb3009-field-of-int",
  QB4004: "qb4004-range-two-args",
  QB4007: "qb4007-ordered-on-reduce",
};

/** The baseline that documents a code: the preferred one, else the first named after it, else the first that reports it. */
function exampleFor(code: string, all: Example[]): Example | undefined {
  const preferred = PREFERRED[code];
  if (preferred !== undefined) {
    const e = all.find((x) => x.name === preferred);
    if (!e || !e.codes.has(code)) throw new Error(`docs example for ${code}: baseline ${preferred} does not exist or does not report ${code}`);
    return e;
  }
  const prefix = `${code.toLowerCase()}-`;
  return all.find((e) => e.name.startsWith(prefix) && e.codes.has(code)) ?? all.find((e) => e.codes.has(code));
}

function fence(text: string): string {
  return "```\n" + text.replace(/\n$/, "") + "\n```";
}

function command(e: Example): string {
  const params = Object.entries(paramsOf(e.flow)).map(([k, v]) => ` --param ${k}=${v}`).join("");
  return `qb check ${displayPath(e.name)}${params}`;
}

/** The text between the markers, markers excluded, with its surrounding newlines. */
export function diagnosticsSection(): string {
  const all = examples();
  const codes = Object.keys(DIAGNOSTIC_CODES) as Array<keyof typeof DIAGNOSTIC_CODES>;
  const out: string[] = [];
  out.push("");
  out.push("<!-- Generated from test/diagnostics/*.flow and *.expected by test/diagnostics/docs.test.ts:");
  out.push("     regenerate with UPDATE_BASELINES=1 npx vitest run test/diagnostics/docs.test.ts -->");
  out.push("");
  out.push("Codes are stable: a code is never reused for another meaning. `1xxx` are syntax errors,");
  out.push("`2xxx` names, `3xxx` types and values, `4xxx` the structure of the flow. Warnings do not");
  out.push("stop a flow from compiling. Every example below is a test baseline: the flow under");
  out.push("`test/diagnostics/` and exactly what `qb check` prints for it.");
  out.push("");
  out.push("| Code | Severity | Title | Example |");
  out.push("|------|----------|-------|---------|");
  for (const code of codes) {
    const { severity, title } = DIAGNOSTIC_CODES[code];
    const e = exampleFor(code, all);
    out.push(`| [${code}](#${code.toLowerCase()}) | ${severity} | ${title.replace(/\|/g, "\\|")} | ${e ? `\`${e.name}\`` : "—"} |`);
  }
  for (const code of codes) {
    const { severity, title } = DIAGNOSTIC_CODES[code];
    out.push("");
    out.push(`### ${code}`);
    out.push("");
    out.push(`**${title}** (${severity})`);
    out.push("");
    const e = exampleFor(code, all);
    if (!e) {
      const text = WITHOUT_BASELINE[code];
      if (text === undefined || NO_BASELINE[code] === undefined) throw new Error(`${code} has no baseline and no text in WITHOUT_BASELINE`);
      out.push(text);
      continue;
    }
    out.push(`\`${command(e)}\`:`);
    out.push("");
    out.push(fence(e.flow));
    out.push("");
    out.push(fence(e.expected));
    const more = all.filter((x) => x !== e && x.codes.has(code)).map((x) => `\`${x.name}\``);
    if (more.length) {
      out.push("");
      out.push(`Also in: ${more.join(", ")}.`);
    }
  }
  out.push("");
  return out.join("\n");
}

/** Replaces the text between the markers of a document; throws unless each marker occurs once. */
export function withSection(doc: string, section: string): string {
  const [a, b] = markerOffsets(doc);
  return doc.slice(0, a + BEGIN.length) + section + doc.slice(b);
}

export function currentSection(doc: string): string {
  const [a, b] = markerOffsets(doc);
  return doc.slice(a + BEGIN.length, b);
}

function markerOffsets(doc: string): [number, number] {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < 0 || b < a || doc.indexOf(BEGIN, a + 1) >= 0 || doc.indexOf(END, b + 1) >= 0) {
    throw new Error(`docs/dsl.md must contain ${BEGIN} and then ${END}, once each`);
  }
  return [a, b];
}
