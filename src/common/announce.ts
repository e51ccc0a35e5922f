/**
 * The readiness line: once serving, a worker prints `QB_LISTENING <address>` on stdout, so a
 * parent that asked for port 0 learns the real port (and any parent learns it is ready).
 */
export const LISTENING_PREFIX = "QB_LISTENING ";

export function listeningLine(address: string): string {
  return `${LISTENING_PREFIX}${address}\n`;
}

/** The address in a line of worker output, or null when the line is something else. */
export function parseListeningLine(line: string): string | null {
  const t = line.trim();
  if (!t.startsWith(LISTENING_PREFIX)) return null;
  const address = t.slice(LISTENING_PREFIX.length).trim();
  return address === "" ? null : address;
}
