/** A half-open range of UTF-16 offsets into a flow's source text. */
export interface Span {
  start: number;
  end: number;
}

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in characters of the line. */
  col: number;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

export function cover(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Maps offsets to line/column; built once per source. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: clamped - this.starts[lo]! + 1 };
  }

  /** The offset of a 1-based line and column (clamped into the text). */
  offset(line: number, col: number): number {
    const start = this.starts[Math.max(0, Math.min(line, this.starts.length) - 1)]!;
    return Math.min(this.text.length, start + Math.max(0, col - 1));
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return "";
    const next = this.starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
}
