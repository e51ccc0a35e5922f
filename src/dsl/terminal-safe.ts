/**
 * Text for a terminal. Worker messages, log tails and flow files may hold control
 * characters: an escape sequence can retitle the window, clear the screen or rewrite what
 * was printed, a bidi override reorders a line. Everything the CLI prints for people goes
 * through `terminalSafe`; JSON output and the run's files keep the text as it was.
 */

// C0 but tab (newline too: handled below), DEL, C1, and the bidi embeddings, overrides and isolates
const UNSAFE = /\r\n|[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

export interface TerminalSafeOptions {
  /** Keep line breaks (`\r\n` becomes `\n`); false shows them as `\n`, for one-line output. Default true. */
  lines?: boolean;
}

/** `text` with each control character shown as its escape (`\x1b`, `\u202e`): visible, inert. */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const lines = options.lines ?? true;
  return text.replace(UNSAFE, (c) => {
    if (c === "\n" || c === "\r\n") return lines ? "\n" : c === "\n" ? "\\n" : "\\r\\n";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}
