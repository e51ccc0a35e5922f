/**
 * Keeps the "Diagnostics" section of docs/dsl.md in step with the compiler: it must be
 * exactly what docs-section.ts generates from the baselines, and list every code.
 * UPDATE_BASELINES=1 rewrites the section (review the diff).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES } from "../../src/dsl/diagnostics.js";
import { currentSection, diagnosticsSection, withSection } from "./docs-section.js";
import { REPO_ROOT, UPDATE } from "./harness.js";

const DOC = join(REPO_ROOT, "docs", "dsl.md");

describe("docs/dsl.md", () => {
  it("has the generated diagnostics section, up to date with the baselines", () => {
    const doc = readFileSync(DOC, "utf8");
    const section = diagnosticsSection();
    if (UPDATE) {
      writeFileSync(DOC, withSection(doc, section));
      return;
    }
    expect(currentSection(doc), "run UPDATE_BASELINES=1 npx vitest run test/diagnostics/docs.test.ts").toBe(section);
  });

  it("lists every diagnostic code in its table, with its severity and title, and a section for it", () => {
    const doc = readFileSync(DOC, "utf8");
    const missing: string[] = [];
    for (const [code, { severity, title }] of Object.entries(DIAGNOSTIC_CODES)) {
      const row = new RegExp(`^\\| \\[${code}\\]\\(#${code.toLowerCase()}\\) \\| ${severity} \\| ([^\\n]*?) \\|`, "m").exec(doc);
      if (!row || row[1] !== title.replace(/\|/g, "\\|")) missing.push(`${code}: table row`);
      if (!doc.includes(`\n### ${code}\n`)) missing.push(`${code}: section`);
    }
    expect(missing).toEqual([]);
  });

  it("documents no code the compiler does not have", () => {
    const doc = readFileSync(DOC, "utf8");
    const mentioned = new Set(doc.match(/\bQB\d{4}\b/g) ?? []);
    expect([...mentioned].filter((c) => !(c in DIAGNOSTIC_CODES)).sort()).toEqual([]);
  });
});
