/**
 * The shell script that runs a worker command. A simple command (`node w.js`,
 * `/usr/bin/python3 w.py`, after any VAR=value words) is exec'd by the shell, so the worker
 * itself is our child: signals reach it and its exit status is its own. A shell builtin or
 * keyword is no program `exec` could run (`exec exit 3` fails with 127): the shell runs it.
 */
const SIMPLE_WORD = /^[A-Za-z0-9_\-./=:@%+,~]+$/;

/**
 * POSIX special builtins and reserved words, the builtins with no program of the same name,
 * and the few the shell always runs itself: `exec` in front of them fails or changes their
 * meaning.
 */
const SHELL_OWN = new Set([
  ...[":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"],
  ...["!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while"],
  ...["alias", "bg", "cd", "command", "fg", "getopts", "hash", "jobs", "local", "read", "source", "type", "ulimit", "umask", "unalias", "wait"],
  ...["true", "false", "test", "["],
]);

/** The shell script for a command: `exec CMD` when CMD is simple words, CMD itself otherwise. */
export function shellScript(command: string): { script: string; direct: boolean } {
  const words = command.trim().split(/\s+/);
  if (words.length === 0 || words[0] === "" || !words.every((w) => SIMPLE_WORD.test(w))) return { script: command, direct: false };
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string)) i++;
  if (i === words.length) return { script: command, direct: false };
  const first = words[i] as string;
  // the command's own `exec PROGRAM`: the program replaces the shell all the same
  if (first === "exec") return { script: command, direct: i + 1 < words.length && !(words[i + 1] as string).startsWith("-") };
  if (SHELL_OWN.has(first)) return { script: command, direct: false };
  return { script: [...words.slice(0, i), "exec", ...words.slice(i)].join(" "), direct: true };
}
