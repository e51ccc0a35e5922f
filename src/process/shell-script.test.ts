import { describe, expect, it } from "vitest";
import { shellScript } from "./shell-script.js";

describe("shellScript", () => {
  it.each([
    ["node w.js", "exec node w.js", true],
    ["/usr/bin/python3 examples/workers/python/montecarlo.py", "exec /usr/bin/python3 examples/workers/python/montecarlo.py", true],
    ["node --import tsx w.ts --flag=1", "exec node --import tsx w.ts --flag=1", true],
    ["FOO=1 BAR=x node w.js", "FOO=1 BAR=x exec node w.js", true],
    ["cd dir && node w.js", "cd dir && node w.js", false],
    ["node w.js > log", "node w.js > log", false],
    ["node 'a b.js'", "node 'a b.js'", false],
    ["node $HOME/w.js", "node $HOME/w.js", false],
    ["A=1", "A=1", false],
  ])("%s", (command, script, direct) => {
    expect(shellScript(command)).toEqual({ script, direct });
  });
});
