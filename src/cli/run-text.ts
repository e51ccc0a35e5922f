/**
 * How `qb runs` and `qb logs` write a run's facts for people: local times, durations, an
 * event as one line, and words quoted for a POSIX shell (the resume command).
 */
import { terminalSafe } from "../dsl/terminal-safe.js";
import type { RunEvent } from "../runtime/events.js";

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `2025-03-01 14:05:09`, in the machine's time zone. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:05:09.123`, in the machine's time zone. */
export function localClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `0.42s`, `12.30s`, `3m05s`, `2h07m`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
}

/** A field's value in an event line: words as they are, other text in double quotes, anything else as JSON; one line, terminal-safe. */
function fieldText(v: unknown): string {
  if (typeof v === "string") {
    if (/^[\w.:/@+-]+$/.test(v)) return v;
    // control characters as terminalSafe shows them everywhere (\x1b, \n), not as JSON's \u001b
    return `"${terminalSafe(v.replaceAll("\\", "\\\\").replaceAll('"', '\\"'), { lines: false })}"`;
  }
  // times in ms to a tenth: 80.07287900000006 is noise
  if (typeof v === "number" && !Number.isInteger(v)) return String(Math.round(v * 10) / 10);
  return terminalSafe(JSON.stringify(v) ?? String(v), { lines: false });
}

/** `14:05:09.123 call.failed callId=3 attempt=1 error="..."`: the time, the type, then every other field but the step. */
export function eventLine(e: RunEvent): string {
  const fields = Object.entries(e)
    .filter(([k]) => k !== "type" && k !== "time" && k !== "step")
    .map(([k, v]) => `${k}=${fieldText(v)}`);
  return [typeof e.time === "number" ? localClock(e.time) : "", terminalSafe(e.type, { lines: false }), ...fields].filter((s) => s !== "").join(" ");
}

// what a POSIX shell never treats specially
const PLAIN = /^[\w@%+=:,./-]+$/;
// what a terminal must not get raw (terminalSafe's set, with tab): quoted as $'\xHH' instead
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/**
 * `word` as one shell word: as it is when plain, else in single quotes; text with control
 * characters (or bidi overrides) in bash's `$'...'` with those as escapes, so the command
 * shown is both safe on a terminal and exactly the value.
 */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replaceAll("'", `'\\''`)}'`;
  let out = "";
  for (const c of word) {
    const code = c.codePointAt(0)!;
    if (c === "\\" || c === "'") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\r") out += "\\r";
    // C1 as \u: bash's \xHH is a raw byte, not the character
    else if (CONTROL.test(c)) out += code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `$'${out}'`;
}
