/**
 * The last check: SIGTERM to the worker's process group. In-flight calls must end (with an
 * error, typically UNAVAILABLE) and every process of the group must exit within the grace
 * period without SIGKILL; when the worker is our direct child, with exit code 0.
 */
import type { Value } from "../common/values.js";
import { type Check, describeError, expect, pass, sleep, within } from "./check.js";

export const SHUTDOWN_GRACE_MS = 5_000;

export const shutdownCheck: Check = {
  name: "shutdown",
  about: `SIGTERM ends in-flight calls and the worker exits cleanly within ${SHUTDOWN_GRACE_MS / 1000} s`,
  async run(t) {
    const inflight: Array<{ via: string; done: Promise<string> }> = [];
    const describe = (p: Promise<Value>) =>
      p.then(
        (v) => `result ${JSON.stringify(v)}`,
        (e: unknown) => describeError(e),
      );
    if (await t.has("qb.sleep")) {
      inflight.push({ via: "Invoke", done: describe(t.client.invoke("qb.sleep", { ms: 60_000 }, { timeoutMs: 60_000 })) });
      if (t.speaksSession) {
        const s = t.client.session();
        inflight.push({ via: "Session", done: describe(s.start("qb.sleep", { ms: 60_000 }).result) });
      }
      await sleep(200);
    }
    const sentAt = Date.now();
    t.proc.signal("SIGTERM");
    const outcomes = await Promise.all(inflight.map(async (c) => `${c.via} call: ${await within(c.done, SHUTDOWN_GRACE_MS, "still running")}`));
    for (const o of outcomes) expect(!o.endsWith("still running") && !o.includes("result"), `after SIGTERM, the in-flight ${o}`);
    const gone = await t.proc.waitGone(Math.max(0, SHUTDOWN_GRACE_MS - (Date.now() - sentAt)));
    expect(gone, `processes ${t.proc.members().join(", ")} of the worker were still alive ${SHUTDOWN_GRACE_MS} ms after SIGTERM`);
    const took = Date.now() - sentAt;
    const exit = t.proc.exit;
    let how: string;
    if (t.proc.direct) {
      expect(exit?.code === 0, `the worker exited with ${exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code}`} after SIGTERM, not code 0`);
      how = "exit code 0";
    } else {
      how = "exit code not visible (the command runs under a shell)";
    }
    return pass(`exited in ${took} ms, ${how}${outcomes.length ? `; ${outcomes.join("; ")}` : ""}`);
  },
};
