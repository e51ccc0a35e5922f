/** What every call of one worker shares: its methods, limits, land, reporter and live calls. */
import { Land } from "../land/land.js";
import { LandUnavailableError } from "../land/errors.js";
import { CapacityError, InvalidArgumentError, UnavailableError, UnknownMethodError, type CallError } from "./errors.js";
import type { LiveCall } from "./live-call.js";
import type { ResolvedMethod } from "./methods.js";
import type { Reporter } from "./reporter.js";
import { WorkerPond } from "./pond-client.js";

export interface CoreConfig {
  maxConcurrentCalls: number;
  maxMessageBytes: number;
  landRoot: string | null;
}

export class WorkerCore {
  /** Calls whose method has not settled yet (they hold a call slot). */
  readonly live = new Set<LiveCall>();
  shuttingDown = false;
  private landInstance: Land | undefined;
  private pondInstance: WorkerPond | undefined;

  constructor(
    readonly methods: ReadonlyMap<string, ResolvedMethod>,
    readonly config: CoreConfig,
    readonly reporter: Reporter,
  ) {}

  land(): Land {
    if (this.config.landRoot === null) throw new LandUnavailableError();
    this.landInstance ??= new Land(this.config.landRoot);
    return this.landInstance;
  }

  /** The pond, through the quarterback's callback service (one client for every call). */
  pond(): WorkerPond {
    this.pondInstance ??= new WorkerPond(this.reporter.address, this.reporter.identity, this.reporter.auth, () => this.land());
    return this.pondInstance;
  }

  /** The method to run, or why the call cannot start. */
  admit(name: string, via: "invoke" | "session"): ResolvedMethod | CallError {
    if (this.shuttingDown) return new UnavailableError();
    const method = this.methods.get(name);
    if (!method) return new UnknownMethodError(name, [...this.methods.keys()]);
    if (method.held && via === "invoke") {
      return new InvalidArgumentError(`method ${JSON.stringify(name)} is held (it may yield and await signals): call it over Session, not Invoke`);
    }
    if (this.live.size >= this.config.maxConcurrentCalls) return new CapacityError(this.config.maxConcurrentCalls);
    return method;
  }
}
