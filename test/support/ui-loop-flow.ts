/**
 * The flow the web view is shown with (browser tests, docs screenshots): a fan-out of slow
 * calls on test/workers/ui-probe, a second step fed by it, and a held loop whose rounds
 * run alongside.
 */
export interface LoopFlowSize {
  /** Calls of the first step, `parallel` at a time, each `ms` long; the second step's calls take `nextMs`. */
  items: number;
  parallel: number;
  ms: number;
  nextMs: number;
  /** Rounds of the held loop. */
  rounds: number;
  /**
   * A folder that paces the run: the first step's call on item v waits for the file `v` in
   * it, and the held loop's round i for `round-i`, so a test sees each stage for sure.
   */
  gate?: string;
}

export function uiLoopFlow(name: string, worker: string, size: LoopFlowSize): string {
  const gate = size.gate === undefined ? "" : `, gate: ${JSON.stringify(size.gate)}`;
  return `flow ${name}() {
  worker u { run "${worker}" replicas 2 }
  xs    = range(${size.items}) | u.work(ms: ${size.ms}, v: item${gate}) parallel ${size.parallel}
  ys    = xs | u.work(ms: ${size.nextMs}, v: item)
  start = [0] | u.work(ms: 10, v: item)
  h     = [{n: ${size.rounds}, ms: 300${gate}}] | u.rounds hold
  r     = h | gather by round
  more  = r | u.work(ms: 300, v: 1)
  go    = merge(start, more)
  h <- go as "go"
  emit ys
  emit r
}
`;
}
