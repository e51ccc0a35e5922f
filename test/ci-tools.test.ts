/**
 * Under CI=true, the tools `.ci/run` provides must all be here: this file fails, naming each
 * one that is missing, whichever suites use it (the pond suites need MariaDB, the Python
 * worker suites Debian's python3-grpcio, python3-numpy and python3-xxhash, graph-dot Graphviz, k8s-pod podman, the
 * multi-host suite network namespaces, the TLS suite openssl, the web view's browser tests Chromium). Each suite
 * that would skip also refuses on its own (`skipForWant`); this is the one place that
 * checks them all, so a suite with a skip check of its own cannot hide a missing tool in
 * CI either. Outside CI a missing tool is a skip, with the usual SKIPPED line.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openPond } from "../src/pond/index.js";
import { CHROMIUM } from "./support/browser.js";
import { netnsUnavailable } from "./support/netns.js";
import { MYSQL_URL } from "./pond-drivers.js";
import { podmanMissing } from "./support/podman.js";
import { dotReady, pythonReady, PYTHON, skipForWant } from "./worker-fixtures/helpers.js";

/** MariaDB answers a query, not only a TCP connect. */
async function mariadbAnswers(): Promise<boolean> {
  try {
    const pond = await openPond(MYSQL_URL);
    try {
      return (await pond.query("SELECT 1 AS one")).length === 1;
    } finally {
      await pond.close();
    }
  } catch {
    return false;
  }
}

const TOOLS: Array<{ tool: string; ready: () => boolean | Promise<boolean>; what: string; remedy: string }> = [
  {
    tool: `MariaDB at ${new URL(MYSQL_URL).host} (no answer to SELECT 1)`,
    ready: mariadbAnswers,
    what: "the MariaDB half of every pond suite",
    remedy: "install and start mariadb-server",
  },
  {
    tool: `${PYTHON} with grpc, numpy and xxhash`,
    ready: () => pythonReady,
    what: "the Python worker suites",
    remedy: "install Debian's python3-grpcio, python3-numpy and python3-xxhash",
  },
  { tool: "Graphviz (`dot`)", ready: dotReady, what: "test/graph-dot.test.ts", remedy: "install graphviz" },
  {
    tool: "podman (with runc and mmdebstrap)",
    ready: () => podmanMissing() === null,
    what: "test/k8s-pod.test.ts",
    remedy: "install podman, runc and mmdebstrap and write /etc/containers/containers.conf",
  },
  {
    tool: "network namespaces (`ip netns add`, as root)",
    ready: () => netnsUnavailable() === null,
    what: "test/run-multi-host.test.ts",
    remedy: "install iproute2 and run as root",
  },
  {
    tool: "openssl",
    ready: () => spawnSync("openssl", ["version"]).status === 0,
    what: "the openssl commands in test/run-tls.test.ts",
    remedy: "install openssl",
  },
  {
    tool: `Chromium (${CHROMIUM})`,
    ready: () => existsSync(CHROMIUM),
    what: "the web view's browser tests (test/ui-browser.test.ts)",
    remedy: "install Debian's chromium package",
  },
];

describe("the tools .ci/run provides", () => {
  for (const t of TOOLS) {
    it(t.tool.replace(/ \(.*$/, ""), async (ctx) => {
      const ready = await t.ready();
      if (!ready) {
        skipForWant(t.tool, t.what, t.remedy); // throws under CI=true
        ctx.skip();
      }
      expect(ready, `${t.tool}: needed by ${t.what}`).toBe(true);
    });
  }
});
