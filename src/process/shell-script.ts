/**
 * The shell script that runs a worker command. A simple command (`node w.js`,
 * `/usr/bin/python3 w.py`, after any VAR=value words) is exec'd by the shell, so the worker
 * itself is our child: signals reach it and its exit status is its own.
 */
const SIMPLE_WORD = /^[A-Za-z0-9_\-./=:@%+,~]+$/;

/** The shell script for a command: `exec CMD` when CMD is simple words, CMD itself otherwise. */
export function shellScript(command: string): { script: string; direct: boolean } {
  const words = command.trim().split(/\s+/);
  if (words.length === 0 || words[0] === "" || !words.every((w) => SIMPLE_WORD.test(w))) return { script: command, direct: false };
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string)) i++;
  if (i === words.length) return { script: command, direct: false };
  return { script: [...words.slice(0, i), "exec", ...words.slice(i)].join(" "), direct: true };
}
