import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { MAX_DIAGNOSTICS } from "./limits.js";
import type { Comment, Token, TokenKind } from "./tokens.js";

export interface ScanResult {
  tokens: Token[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

const PUNCT = new Set(["(", ")", "{", "}", "[", "]", ",", ":", ";", ".", "|", "=", "+", "-", "*", "/", "%"]);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}
function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
}
/** Letters beyond ASCII: scanned into the name (one clear error) rather than split it. */
function isForeignLetter(c: string | undefined): boolean {
  return c !== undefined && c > "\u007f" && /\p{L}/u.test(c);
}
function isIdentPart(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Splits flow text into tokens. Never throws: bad input becomes diagnostics. */
export function scan(text: string): ScanResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const diagnostics: Diagnostic[] = [];
  let i = 0;
  let codeOnLine = false;

  const push = (kind: TokenKind, start: number, extra: Partial<Token> = {}): void => {
    tokens.push({ kind, span: { start, end: i }, text: text.slice(start, i), ...extra });
    codeOnLine = kind !== "newline";
  };

  if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte-order mark is not content
  while (i < text.length) {
    const c = text[i]!;
    const start = i;
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "\n") {
      i++;
      push("newline", start);
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      comments.push({ span: { start, end: i }, text: text.slice(start, i).replace(/\r$/, ""), trailing: codeOnLine });
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      diagnostics.push(diagnostic("QB1001", { start, end: start + 2 }, "`//` does not start a comment", "comments start with `#`"));
      comments.push({ span: { start, end: i }, text: "#" + text.slice(start + 2, i).replace(/\r$/, ""), trailing: codeOnLine });
    } else if (isIdentStart(c) || isForeignLetter(c)) {
      while (isIdentPart(text[i]) || isForeignLetter(text[i])) i++;
      const name = text.slice(start, i);
      if (/[^\x00-\x7f]/.test(name)) {
        diagnostics.push(
          diagnostic("QB1001", { start, end: i }, `\`${name}\`: names use ASCII letters, digits and \`_\``, "non-ASCII text belongs in strings"),
        );
      }
      push("ident", start, { value: name });
    } else if (isDigit(c)) {
      scanNumber(start);
    } else if (c === '"') {
      scanString(start, '"');
    } else if (c === "'") {
      diagnostics.push(diagnostic("QB1001", { start, end: start + 1 }, "strings use double quotes", "write \"...\" instead of '...'"));
      scanString(start, "'");
    } else if (c === "<" && text[i + 1] === "-") {
      // before `<`: `x<-1` is a signal arrow; a comparison with a negative number needs a space
      i += 2;
      push("<-", start);
    } else if ((c === "=" || c === "!" || c === "<" || c === ">") && text[i + 1] === "=") {
      i += 2;
      push((c + "=") as TokenKind, start);
    } else if (c === "<" || c === ">") {
      i++;
      push(c, start);
    } else if (PUNCT.has(c)) {
      i++;
      push(c as TokenKind, start);
    } else {
      const cp = text.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      const shown = cp < 32 || cp === 127 ? `\\u{${cp.toString(16)}}` : String.fromCodePoint(cp);
      diagnostics.push(diagnostic("QB1001", { start, end: i }, `unexpected character \`${shown}\``));
    }
    if (diagnostics.length >= MAX_DIAGNOSTICS) {
      diagnostics.push(
        diagnostic("QB1001", { start: i, end: i }, `too many mistakes (${MAX_DIAGNOSTICS}): the rest of the file is not read`, "is this a flow file?"),
      );
      break;
    }
  }
  const end = Math.min(i, text.length);
  tokens.push({ kind: "eof", span: { start: end, end }, text: "" });
  return { tokens, comments, diagnostics };

  function scanNumber(start: number): void {
    let isFloat = false;
    const digits = (): void => {
      while (isDigit(text[i]) || text[i] === "_") i++;
    };
    digits();
    if (text[i] === "." && isDigit(text[i + 1])) {
      isFloat = true;
      i++;
      digits();
    }
    if ((text[i] === "e" || text[i] === "E") && (isDigit(text[i + 1]) || ((text[i + 1] === "+" || text[i + 1] === "-") && isDigit(text[i + 2])))) {
      isFloat = true;
      i += 2;
      digits();
    }
    const numText = text.slice(start, i);
    let unit: string | undefined;
    if (isIdentStart(text[i])) {
      const u = i;
      while (isIdentPart(text[i])) i++;
      unit = text.slice(u, i);
    }
    const bad = /__|_$|_\.|\._|_e|e_|^0\d/i.test(numText);
    const value = Number(numText.replace(/_/g, ""));
    if (bad || !Number.isFinite(value)) {
      diagnostics.push(
        diagnostic(
          "QB1003",
          { start, end: i },
          `malformed number \`${text.slice(start, i)}\``,
          "write digits with single `_` separators between them, e.g. `20_000_000`",
        ),
      );
    } else if (!isFloat && unit === undefined && !Number.isSafeInteger(value)) {
      // past 2^53 an int literal would silently become another number
      diagnostics.push(
        diagnostic(
          "QB1003",
          { start, end: i },
          `\`${numText}\` is too large for an int`,
          `ints are exact up to 9_007_199_254_740_991; write a float, like \`${value.toExponential().replace("e+", "e")}\`, for more`,
        ),
      );
    }
    if (unit !== undefined) push("quantity", start, { value, unit });
    else push(isFloat ? "float" : "int", start, { value });
  }

  function scanString(start: number, quote: string): void {
    i++;
    let value = "";
    for (;;) {
      const ch = text[i];
      if (ch === undefined || ch === "\n") {
        diagnostics.push(diagnostic("QB1002", { start, end: i }, "unterminated string", `close it with \`${quote}\` on the same line`));
        break;
      }
      if (ch === quote) {
        i++;
        break;
      }
      if (ch === "\\") {
        const escStart = i;
        const e = text[i + 1];
        i += 2;
        if (e === "n") value += "\n";
        else if (e === "t") value += "\t";
        else if (e === "r") value += "\r";
        else if (e === '"' || e === "\\") value += e;
        else if (e === "u" && text[i] === "{") {
          const close = text.indexOf("}", i);
          const hex = close < 0 ? "" : text.slice(i + 1, close);
          const cp = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : NaN;
          if (Number.isNaN(cp) || cp > 0x10ffff) {
            diagnostics.push(
              diagnostic("QB1011", { start: escStart, end: Math.max(i, close + 1) }, "invalid unicode escape", "write `\\u{` hex digits `}`, e.g. `\\u{e9}`"),
            );
            if (close >= 0 && !text.slice(i, close).includes("\n")) i = close + 1;
          } else {
            value += String.fromCodePoint(cp);
            i = close + 1;
          }
        } else {
          if (e === undefined || e === "\n") i--;
          diagnostics.push(
            diagnostic(
              "QB1011",
              { start: escStart, end: i },
              `invalid escape \`\\${e === undefined || e === "\n" ? "" : e}\` in string`,
              'valid escapes are `\\n`, `\\t`, `\\r`, `\\"`, `\\\\` and `\\u{...}`',
            ),
          );
        }
        continue;
      }
      value += ch;
      i++;
    }
    push("string", start, { value });
  }
}
