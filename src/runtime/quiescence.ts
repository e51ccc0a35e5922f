/**
 * The end of a loop. A held call that waits for a signal is blocked until some step sends
 * it; when every held call is blocked (or ended) and nothing else in the run is working — no
 * call in flight, no source reading, no item in any channel — nothing can send a signal
 * any more, so the quarterback closes the signals the calls wait for: `ctx.signals(name)`
 * ends and the held calls return. A call that waited with `ctx.signal(name)` instead then
 * fails on it, which the held stage reports as a deadlock. This is a proof, not a timer:
 * the check runs when a call blocks or the last work ends, and again a moment later to be
 * sure nothing moved in between.
 */
import { sourceSteps } from "../ir/source-steps.js";
import type { FlowIR } from "../ir/types.js";
import { Channel } from "./channel.js";
import { HeldCallError } from "./errors.js";
import type { HeldStage } from "./held-stage.js";

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 200;

export interface LoopMonitorOptions {
  ir: FlowIR;
  /** Held stages by step. */
  held: Map<string, HeldStage>;
  /** Every channel of the run, for the items still in them. */
  channels: () => Iterable<{ readonly size: number }>;
}

export class LoopMonitor {
  private busy = 0;
  private scheduled = false;
  /** How long to wait before looking again while calls are blocked and work remains (ms). */
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Every step a step reads, directly or not (itself included). */
  private readonly upstream = new Map<string, Set<string>>();

  constructor(private readonly o: LoopMonitorOptions) {
    for (const s of o.ir.steps) {
      const up = new Set<string>([s.name]);
      const direct = sourceSteps(s.source);
      // steps come in dependency order: what a step reads is known already
      for (const d of direct) for (const x of this.upstream.get(d) ?? [d]) up.add(x);
      this.upstream.set(s.name, up);
    }
  }

  /** Work that may make items has started (a call, a source). */
  begin(): void {
    this.busy++;
  }

  end(): void {
    if (--this.busy === 0) this.poke();
  }

  /** Wraps a promise of work in begin/end. */
  track<T>(p: Promise<T>): Promise<T> {
    this.begin();
    p.then(
      () => this.end(),
      () => this.end(),
    );
    return p;
  }

  /** A source's items: work until it has given its last one. */
  reading<T>(items: AsyncIterable<T>): AsyncIterable<T> {
    const monitor = this;
    return {
      async *[Symbol.asyncIterator]() {
        monitor.begin();
        try {
          yield* items;
        } finally {
          monitor.end();
        }
      },
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /** Something may have become idle: check soon. */
  poke(): void {
    this.retryMs = RETRY_MIN_MS;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => this.check());
  }

  private check(): void {
    this.scheduled = false;
    if (this.stopped) return;
    if (!this.quiet()) {
      // blocked calls with work still somewhere: look again shortly (the last item may
      // drain into a sink without any call ending)
      if (this.anyBlocked() && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.schedule();
        }, this.retryMs);
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
      }
      return;
    }
    const moves = Channel.moves;
    setImmediate(() => {
      if (this.stopped || !this.quiet() || Channel.moves !== moves) return this.schedule();
      this.act();
    });
  }

  private anyBlocked(): boolean {
    for (const h of this.o.held.values()) if (h.blockedCalls().length > 0) return true;
    return false;
  }

  private quiet(): boolean {
    if (this.busy > 0 || !this.anyBlocked()) return false;
    for (const h of this.o.held.values()) if (h.busy || h.buffered > 0) return false;
    for (const c of this.o.channels()) if (c.size > 0) return false;
    return true;
  }

  private act(): void {
    const candidates: Array<{ stage: HeldStage; name: string; producers: string[] }> = [];
    for (const stage of this.o.held.values()) {
      const blocked = stage.blockedCalls();
      if (blocked.length === 0) continue;
      if (stage.pending.length > 0) {
        const names = [...new Set(blocked.map((c) => `"${c.awaiting!.name}"`))].join(", ");
        stage.fail(
          new HeldCallError(
            stage.step,
            `deadlock: ${stage.pending.length} item(s) wait to start a held call, but every slot (${blocked.length} held calls at once, the stage's \`parallel\`) is taken by a call that waits for signal ${names}: ` +
              `a round needs every held call, so raise \`parallel\` to at least the number of items`,
          ),
        );
        continue;
      }
      for (const name of new Set(blocked.map((c) => c.awaiting!.name))) {
        const producers = this.o.ir.signals.filter((s) => s.step === stage.step && s.name === name).map((s) => s.from);
        candidates.push({ stage, name, producers });
      }
    }
    // a signal fed (through its producers) by another held step that is still alive may yet
    // come when that step's own loop ends: close the other one first
    const feedsOn = (c: (typeof candidates)[number]): boolean =>
      c.producers.some((f) => [...this.o.held.values()].some((h) => h !== c.stage && h.blockedCalls().length > 0 && this.upstream.get(f)?.has(h.step)));
    const closeable = candidates.filter((c) => !feedsOn(c));
    for (const c of closeable.length ? closeable : candidates) c.stage.closeSignal(c.name, this.producerText(c.stage.step, c.name, c.producers));
  }

  private producerText(step: string, name: string, producers: string[]): string {
    if (producers.length === 0) return `no step sends it to \`${step}\` (there is no \`${step} <- ... as "${name}"\`)`;
    const where = producers.map((p) => {
      const sig = this.o.ir.signals.find((s) => s.step === step && s.from === p && s.name === name);
      return `\`${p}\`${sig ? ` (line ${sig.loc.line})` : ""}`;
    });
    return `${where.join(" and ")}, which send${producers.length === 1 ? "s" : ""} it, ha${producers.length === 1 ? "s" : "ve"} nothing queued or in flight, and every held call of \`${step}\` waits`;
  }
}
