/**
 * Debian's Chromium driven by playwright-core, for the web view's browser tests. Missing
 * Chromium is a loud SKIPPED line, and under CI=true a failure (`skipForWant`): .ci/run
 * installs it.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { skipForWant } from "../worker-fixtures/helpers.js";

export const CHROMIUM = process.env.QB_CHROMIUM ?? "/usr/bin/chromium";

/** Whether Chromium is there; when not, says so (SKIPPED, or throws under CI). */
export function chromiumReady(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  skipForWant(`Chromium (${CHROMIUM})`, what, "install Debian's chromium package");
  return false;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests may run as root (containers), where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}
