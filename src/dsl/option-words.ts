import type { StageOption } from "./ast.js";

/*
 * The one table of stage options. The parser reads the words that start them, the checker
 * where each is valid, and messages name them from here: adding an option, or allowing one
 * somewhere new, is one row.
 */

export type OptionKind = StageOption["kind"];

/** Where options may stand: after a worker call, after `reduce w.m`, or on a line of their own as flow-wide defaults. */
export type OptionPlace = "call" | "reduce" | "flow";

interface OptionRow {
  kind: OptionKind;
  /** The word that starts it in a flow: `on` starts `on error skip`. */
  word: string;
  /** How messages name it. */
  name: string;
  places: readonly OptionPlace[];
}

/** In the order messages list them. */
export const OPTIONS: readonly OptionRow[] = [
  { kind: "parallel", word: "parallel", name: "parallel", places: ["call", "reduce", "flow"] },
  { kind: "timeout", word: "timeout", name: "timeout", places: ["call", "reduce", "flow"] },
  { kind: "retry", word: "retry", name: "retry", places: ["call", "reduce", "flow"] },
  // `reduce` runs unordered and fails on an error, whatever the defaults say
  { kind: "ordered", word: "ordered", name: "ordered", places: ["call", "flow"] },
  { kind: "onError", word: "on", name: "on error", places: ["call", "flow"] },
  // `hold` marks the one held call of a step: never a default
  { kind: "hold", word: "hold", name: "hold", places: ["call"] },
];

/** How messages name each option. */
export const OPTION_WORDS = Object.fromEntries(OPTIONS.map((o) => [o.kind, o.name])) as Record<OptionKind, string>;

/** The options valid at a place. */
export function optionsAt(place: OptionPlace): OptionKind[] {
  return OPTIONS.filter((o) => o.places.includes(place)).map((o) => o.kind);
}

/** The words that start an option: any option, or one valid at a place. */
export function optionStarts(place?: OptionPlace): string[] {
  return OPTIONS.filter((o) => place === undefined || o.places.includes(place)).map((o) => o.word);
}
