import type { SourceIR } from "./types.js";

/** The steps a source reads, each once per channel it takes from them (`join(a, a)` reads `a` twice). */
export function sourceSteps(src: SourceIR): string[] {
  switch (src.kind) {
    case "step":
      return [src.step];
    case "merge":
    case "join":
      return src.steps;
    default:
      return [];
  }
}
