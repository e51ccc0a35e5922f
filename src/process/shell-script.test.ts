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
    // builtins and keywords are no programs: `exec exit 3` would fail with 127
    ["exit 3", "exit 3", false],
    ["FOO=1 exit 4", "FOO=1 exit 4", false],
    [":", ":", false],
    ["cd dir", "cd dir", false],
    [". ./env.sh", ". ./env.sh", false],
    ["source env.sh", "source env.sh", false],
    ["export A=1", "export A=1", false],
    ["set -e", "set -e", false],
    ["eval node w.js", "eval node w.js", false],
    ["true", "true", false],
    ["false", "false", false],
    ["test -f x", "test -f x", false],
    ["while true", "while true", false],
    // the command's own exec: the worker replaces the shell as well
    ["exec node w.js", "exec node w.js", true],
    ["FOO=1 exec node w.js", "FOO=1 exec node w.js", true],
    ["exec", "exec", false],
  ])("%s", (command, script, direct) => {
    expect(shellScript(command)).toEqual({ script, direct });
  });
});
