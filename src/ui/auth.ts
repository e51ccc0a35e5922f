/**
 * Who may use the web view. On a loopback address (the default) anyone on this machine may,
 * as with `qb logs`; requests must name a loopback host (a page on another site cannot
 * reach it through DNS rebinding). Any other address needs a token: the server refuses to
 * start without one, and every request must carry it, as `?token=` once (then kept in a
 * cookie) or the cookie, compared in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";

export const COOKIE = "qb_ui_token";
/** Shorter tokens are guessable: `openssl rand -hex 16` gives 32 characters. */
export const MIN_TOKEN_LENGTH = 16;

export class UiAuthConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UiAuthConfigError";
  }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The token in `file` (trimmed); a missing, empty or short one is a configuration error. */
export function readTokenFile(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, "utf8").trim();
  } catch (err) {
    throw new UiAuthConfigError(`cannot read the token file ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (token.length < MIN_TOKEN_LENGTH)
    throw new UiAuthConfigError(
      `the token in ${file} is ${token.length === 0 ? "empty" : "too short"}: give at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)`,
    );
  return token;
}

/** Refuses a non-loopback address without a token. */
export function checkBinding(host: string, token: string | undefined, flag: string): void {
  if (!isLoopback(host) && token === undefined)
    throw new UiAuthConfigError(
      `refusing to serve the web view on ${host} without a token: anyone who can reach it would see the runs; give ${flag} FILE (a token of ${MIN_TOKEN_LENGTH}+ characters), or leave the host at 127.0.0.1`,
    );
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Equal strings, in time that does not depend on where they differ (or on their lengths). */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export type Verdict = { ok: true; setCookie: boolean } | { ok: false; status: 401 | 403; why: string };

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === COOKIE) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function admit(req: IncomingMessage, url: URL, options: { token: string | undefined; host: string }): Verdict {
  if (options.token === undefined) {
    // loopback only (checkBinding): the Host a browser sends must be ours too
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (!isLoopback(host)) return { ok: false, status: 403, why: `Host ${host || "(none)"} is not this machine's loopback address` };
    return { ok: true, setCookie: false };
  }
  const query = url.searchParams.get("token");
  if (query !== null && sameToken(query, options.token)) return { ok: true, setCookie: true };
  const cookie = cookieToken(req);
  if (cookie !== undefined && sameToken(cookie, options.token)) return { ok: true, setCookie: false };
  return { ok: false, status: 401, why: "a token is needed: open the page once with ?token=<the token>" };
}

export function tokenCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
