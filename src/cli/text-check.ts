/** Where a file stops being UTF-8 text: its first NUL byte or byte of an invalid sequence. */
export interface NonText {
  /** 0-based byte offset. */
  offset: number;
  byte: number;
  /** 1-based line and column (in characters, as the compiler counts them) of that byte. */
  line: number;
  col: number;
}

/** The first byte that makes `bytes` not text, or undefined when it is UTF-8 without NUL. */
export function firstNonText(bytes: Uint8Array): NonText | undefined {
  let at = bytes.indexOf(0);
  // TextDecoder checks natively and fast; only a file it refuses is scanned here for where
  if (!isUtf8(at < 0 ? bytes : bytes.subarray(0, at))) at = firstInvalidUtf8(bytes);
  if (at < 0) return undefined;
  // (lastIndexOf from -1 would search from the end)
  const lineStart = at === 0 ? 0 : bytes.lastIndexOf(10, at - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
  let col = 1;
  // every byte but a continuation byte (10xxxxxx) starts a character
  for (let i = lineStart; i < at; i++) if ((bytes[i]! & 0xc0) !== 0x80) col++;
  return { offset: at, byte: bytes[at]!, line, col };
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The offset of the first byte of the first ill-formed sequence (Unicode table 3-7), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0)
        lo = 0xa0; // overlong
      else if (c === 0xed) hi = 0x9f; // a surrogate
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0)
        lo = 0x90; // overlong
      else if (c === 0xf4) hi = 0x8f; // past U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}
