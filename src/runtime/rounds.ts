/**
 * Rounds of held calls, carried through the channels of the steps that have them. An item
 * of such a step is a RoundItem (its value, its round, and which held call made it); a
 * RoundMark between items says that every round up to `closed` is complete: no item of
 * those rounds comes after it. Marks travel in order with the items (as watermarks do in
 * dataflow engines), so a stage between the held call and `gather by round` keeps them
 * right by passing each mark on only after the items before it.
 */
import type { FlowIR, Json, StepIR } from "../ir/types.js";

export class RoundItem {
  constructor(
    readonly value: Json,
    readonly round: number,
    /** The held call's place in its step's input: `gather by round` lists a round in this order. */
    readonly origin: number,
  ) {}
}

export class RoundMark {
  /** Every round up to and including `closed` is complete. */
  constructor(readonly closed: number) {}
}

/** What flows in a channel: plain items, or, in steps with rounds, round items and marks. */
export type Flowing = Json | RoundItem | RoundMark;

/** The stages other than calls that pass a held call's rounds on. */
export const KEEPS_ROUNDS: ReadonlySet<string> = new Set(["flatten", "where", "map"]);

/** Which steps' outputs carry rounds: the same rule as the checker's (hold adds them; call, flatten, where and map keep them). */
export function stepsWithRounds(ir: FlowIR): Set<string> {
  const out = new Set<string>();
  for (const step of ir.steps) if (stagesKeepRounds(step, sourceHasRounds(step, out)).at(-1)) out.add(step.name);
  return out;
}

/** Whether the items a step reads carry rounds. */
export function sourceHasRounds(step: StepIR, withRounds: Set<string>): boolean {
  const s = step.source;
  if (s.kind === "step") return withRounds.has(s.step);
  // a join pairs plain values: rounds end there
  if (s.kind === "merge") return s.steps.length > 0 && s.steps.every((x) => withRounds.has(x));
  return false;
}

/** For each stage of the step, whether its output carries rounds (index i = after stage i). */
export function stagesKeepRounds(step: StepIR, input: boolean): boolean[] {
  const out: boolean[] = [];
  let rounds = input;
  for (const st of step.stages) {
    if (st.kind === "call") rounds = st.hold || rounds;
    else if (!KEEPS_ROUNDS.has(st.kind)) rounds = false;
    out.push(rounds);
  }
  return out.length ? out : [input];
}

/** The plain values of a stream with rounds (marks dropped). */
export async function* plainValues(input: AsyncIterable<Flowing>): AsyncGenerator<Json> {
  for await (const v of input) {
    if (v instanceof RoundItem) yield v.value;
    else if (!(v instanceof RoundMark)) yield v;
  }
}

/** `flatten` on a stream with rounds: the elements of a list keep its round and origin. */
export async function* flattenRounds(input: AsyncIterable<Flowing>): AsyncGenerator<Flowing> {
  for await (const v of input) {
    if (v instanceof RoundItem && Array.isArray(v.value)) for (const e of v.value) yield new RoundItem(e, v.round, v.origin);
    else yield v;
  }
}

/**
 * `gather by round`: one list per round, emitted once a mark says the round is complete
 * (or at the end of the input), in round order, its items in the order of the held calls
 * that made them. A round nobody yielded for makes no list.
 */
export async function* gatherByRound(input: AsyncIterable<Flowing>): AsyncGenerator<Json> {
  const open = new Map<number, RoundItem[]>();
  const release = function* (upTo: number): Generator<Json> {
    const due = [...open.keys()].filter((r) => r <= upTo).sort((a, b) => a - b);
    for (const r of due) {
      const items = open.get(r)!;
      open.delete(r);
      // a stable sort: items of one call (flattened lists) keep their order
      yield items.sort((a, b) => a.origin - b.origin).map((i) => i.value);
    }
  };
  for await (const v of input) {
    if (v instanceof RoundMark) yield* release(v.closed);
    else if (v instanceof RoundItem) {
      let list = open.get(v.round);
      if (!list) open.set(v.round, (list = []));
      list.push(v);
    }
  }
  yield* release(Infinity);
}

/**
 * A merge of steps that all carry rounds: items as they arrive, and a mark once every
 * input has passed it (an input that ended has passed every round).
 */
export async function* mergeRounds(inputs: AsyncIterable<Flowing>[]): AsyncGenerator<Flowing> {
  const marks = inputs.map(() => -1);
  let passed = -1;
  const iterators = inputs.map((i) => i[Symbol.asyncIterator]());
  type Next = { k: number; r: IteratorResult<Flowing> };
  const next = (k: number): Promise<Next> => iterators[k]!.next().then((r) => ({ k, r }));
  const pending = new Map<number, Promise<Next>>();
  iterators.forEach((_, k) => pending.set(k, next(k)));
  try {
    while (pending.size) {
      const { k, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(k);
        marks[k] = Infinity;
      } else {
        pending.set(k, next(k));
        if (!(r.value instanceof RoundMark)) {
          yield r.value;
          continue;
        }
        marks[k] = r.value.closed;
      }
      const low = Math.min(...marks);
      if (low > passed && Number.isFinite(low)) yield new RoundMark((passed = low));
    }
  } finally {
    await Promise.all(iterators.map((it, k) => (pending.has(k) ? it.return?.() : undefined)));
  }
}
