import type { Arg, Flow, Member, Param, Source, Stage, StageOption, WorkerProp } from "./ast.js";
import { hasErrors, type Diagnostic } from "./diagnostics.js";
import { OPTION_WORDS } from "./option-words.js";
import { parse } from "./parser.js";
import { printArgs, printExpr, printOperand, quote } from "./print-expr.js";
import type { Span } from "./span.js";
import type { Comment } from "./tokens.js";

export interface FormatResult {
  /** The formatted text; absent when the flow has syntax errors. */
  output?: string;
  diagnostics: Diagnostic[];
}

const WIDTH = 100;
const INDENT = "  ";

/**
 * Canonical layout of a flow. Comments are kept: a comment after code stays at the end
 * of that line; any other comment goes on its own line before the code that follows it.
 */
export function format(text: string): FormatResult {
  const { file, diagnostics } = parse(text);
  if (hasErrors(diagnostics) || !file.flow) return { diagnostics };
  return { output: new Printer(text, file.comments).flow(file.flow), diagnostics };
}

export function printOptions(options: StageOption[]): string {
  return options
    .map((o) => {
      switch (o.kind) {
        case "parallel":
        case "timeout":
          return `${OPTION_WORDS[o.kind]} ${printOperand(o.value)}`;
        case "retry":
          return `${OPTION_WORDS.retry} ${printOperand(o.count)}${o.backoff ? ` backoff ${printOperand(o.backoff)}` : ""}`;
        case "onError":
          return `${OPTION_WORDS.onError} ${o.mode}`;
        default:
          return OPTION_WORDS[o.kind];
      }
    })
    .join(" ");
}

export function printStage(s: Stage): string {
  const opts = s.options.length ? ` ${printOptions(s.options)}` : "";
  switch (s.kind) {
    case "call":
      return `${s.worker.name}.${s.method.name}${s.args && s.args.length ? printArgs(s.args) : ""}${opts}`;
    case "reduce":
      return `reduce ${s.worker.name}.${s.method.name}${s.args && s.args.length ? printArgs(s.args) : ""}${opts}`;
    case "gather":
      return `gather${s.byRound ? " by round" : ""}${opts}`;
    case "take":
      return `take ${printOperand(s.count)}${opts}`;
    case "where":
    case "map":
      return `${s.kind} ${printExpr(s.expr)}${opts}`;
    case "group":
      return `group by ${printExpr(s.key)}${opts}`;
    default:
      return `${s.kind}${opts}`;
  }
}

export function printSource(s: Source): string {
  switch (s.kind) {
    case "ref":
      return s.name;
    case "literal":
      return printExpr(s.expr);
    case "call":
      return `${s.callee}${printArgs(s.args)}`;
  }
}

function printParam(p: Param): string {
  return `${p.name.name}: ${p.type.name}${p.default ? ` = ${printExpr(p.default)}` : ""}`;
}

function printProp(p: WorkerProp): string {
  return `${p.key} ${p.values.map((v) => printExpr(v)).join(", ")}`;
}

class Printer {
  private readonly comments: Comment[];
  private next = 0;
  private readonly out: string[] = [];

  constructor(
    private readonly text: string,
    comments: Comment[],
  ) {
    this.comments = [...comments].sort((a, b) => a.span.start - b.span.start);
  }

  flow(flow: Flow): string {
    this.leading(flow.span.start, "", true);
    const params = flow.params.map(printParam);
    const head = `flow ${flow.name.name}(${params.join(", ")}) {`;
    // comments inside the header move above it
    this.leading(this.bodyStart(flow), "", false);
    if (head.length <= WIDTH) this.out.push(head);
    else {
      this.out.push(`flow ${flow.name.name}(`);
      for (const p of params) this.out.push(`${INDENT}${p},`);
      this.out.push(") {");
    }
    let prevEnd = -1;
    const members = flow.members;
    const names = this.alignment(members);
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      if (prevEnd >= 0 && this.blankBetween(prevEnd, this.firstCommentOrStart(m.span.start))) this.out.push("");
      this.leading(m.span.start, INDENT, prevEnd >= 0);
      this.member(m, names.get(m) ?? 0);
      prevEnd = this.trailing(m.span.end);
    }
    // comments before the closing brace
    if (
      prevEnd >= 0 &&
      this.next < this.comments.length &&
      this.comments[this.next]!.span.start < flow.span.end &&
      this.blankBetween(prevEnd, this.comments[this.next]!.span.start)
    )
      this.out.push("");
    this.leading(flow.span.end - 1, INDENT, false);
    this.out.push("}");
    this.trailing(flow.span.end);
    if (this.next < this.comments.length) {
      this.out.push("");
      this.leading(Infinity, "", false);
    }
    return this.out.join("\n") + "\n";
  }

  /** Pads the names of runs of consecutive one-line bindings so their `=` line up. */
  private alignment(members: Member[]): Map<Member, number> {
    const widths = new Map<Member, number>();
    let run: Member[] = [];
    const flush = (): void => {
      const w = Math.max(0, ...run.map((m) => (m.kind === "binding" ? m.name.name.length : 0)));
      for (const m of run) widths.set(m, w);
      run = [];
    };
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      const prev = members[i - 1];
      const oneLine = m.kind === "binding" && !this.bindingBreaks(m);
      if (!oneLine || (prev && this.blankBetween(prev.span.end, m.span.start))) flush();
      if (oneLine) run.push(m);
    }
    flush();
    return widths;
  }

  private bodyStart(flow: Flow): number {
    const first = flow.members[0];
    const openBrace = this.text.indexOf("{", flow.params.length ? flow.params[flow.params.length - 1]!.span.end : flow.name.span.end);
    return openBrace < 0 ? (first ? first.span.start : flow.span.end) : openBrace;
  }

  private firstCommentOrStart(start: number): number {
    const c = this.comments[this.next];
    return c && c.span.start < start ? c.span.start : start;
  }

  private blankBetween(a: number, b: number): boolean {
    return /\n[ \t\r]*\n/.test(this.text.slice(a, b));
  }

  /** Emits comments that start before `pos` on their own lines. */
  private leading(pos: number, indent: string, keepBlank: boolean): void {
    let last = -1;
    while (this.next < this.comments.length && this.comments[this.next]!.span.start < pos) {
      const c = this.comments[this.next++]!;
      if (keepBlank && last >= 0 && this.blankBetween(last, c.span.start)) this.out.push("");
      this.out.push(indent + c.text.trimEnd());
      last = c.span.end;
    }
    if (last >= 0 && pos !== Infinity && this.blankBetween(last, pos)) this.out.push("");
  }

  /** Attaches a comment on the same line as `end` to the last printed line. */
  private trailing(end: number): number {
    const c = this.comments[this.next];
    if (c && c.trailing && !this.text.slice(end, c.span.start).includes("\n")) {
      this.next++;
      this.out[this.out.length - 1] += ` ${c.text.trimEnd()}`;
      return c.span.end;
    }
    return end;
  }

  private commentsWithin(sp: Span): boolean {
    const c = this.comments[this.next];
    return c !== undefined && c.span.start < sp.end;
  }

  private bindingBreaks(m: Extract<Member, { kind: "binding" }>): boolean {
    // comments inside the source move above the binding, so only those among the stages
    // keep it broken: the output then has the same comments in the same places
    return this.commentsInside({ start: m.source.span.end, end: m.span.end }) || this.oneLineBinding(m, 0).length > WIDTH;
  }

  private commentsInside(sp: Span): boolean {
    return this.comments.some((c) => c.span.start > sp.start && c.span.start < sp.end);
  }

  private oneLineBinding(m: Extract<Member, { kind: "binding" }>, pad: number): string {
    return `${INDENT}${m.name.name.padEnd(pad)} = ${[printSource(m.source), ...m.stages.map(printStage)].join(" | ")}`;
  }

  /**
   * `head callee(args) tail` on one line when it fits in WIDTH; else one argument per line,
   * indented one step past `indent`, the `)` and the tail at `indent`.
   */
  private pushCall(head: string, callee: string, args: Arg[], tail: string, indent: string): void {
    const line = `${head}${callee}${printArgs(args)}${tail}`;
    if (line.length <= WIDTH || args.length === 0) {
      this.out.push(line);
      return;
    }
    this.out.push(`${head}${callee}(`);
    for (const a of args) this.out.push(`${indent}${INDENT}${a.name !== undefined ? `${a.name}: ` : ""}${printExpr(a.value)},`);
    this.out.push(`${indent})${tail}`);
  }

  private member(m: Member, pad: number): void {
    switch (m.kind) {
      case "binding": {
        if (!this.bindingBreaks(m)) {
          this.out.push(this.oneLineBinding(m, pad));
          break;
        }
        // a comment inside a multi-line part goes above that part's line: left after it,
        // it would be read back as a comment of the next part or member
        this.leading(m.source.span.end, INDENT, false);
        const head = `${INDENT}${m.name.name} = `;
        if (m.source.kind === "call") this.pushCall(head, m.source.callee, m.source.args, "", INDENT);
        else this.out.push(`${head}${printSource(m.source)}`);
        this.trailing(m.source.span.end);
        for (const s of m.stages) {
          this.leading(s.span.end, INDENT + INDENT, false);
          const bar = `${INDENT}${INDENT}| `;
          if ((s.kind === "call" || s.kind === "reduce") && s.args && s.args.length) {
            const callee = `${s.kind === "reduce" ? "reduce " : ""}${s.worker.name}.${s.method.name}`;
            this.pushCall(bar, callee, s.args, s.options.length ? ` ${printOptions(s.options)}` : "", INDENT + INDENT + INDENT);
          } else this.out.push(`${bar}${printStage(s)}`);
          this.trailing(s.span.end);
        }
        this.leading(m.span.end, INDENT + INDENT, false);
        return;
      }
      case "worker": {
        const props = m.props.map(printProp);
        const line = `${INDENT}worker ${m.name.name} { ${props.join(" ")} }`;
        if (!this.commentsInside(m.span) && line.length <= WIDTH) {
          this.out.push(props.length ? line : `${INDENT}worker ${m.name.name} {}`);
          return;
        }
        this.out.push(`${INDENT}worker ${m.name.name} {`);
        for (const p of m.props) {
          this.leading(p.span.end, INDENT + INDENT, false);
          this.out.push(INDENT + INDENT + printProp(p));
          this.trailing(p.span.end);
        }
        this.leading(m.span.end - 1, INDENT + INDENT, false);
        this.out.push(`${INDENT}}`);
        return;
      }
      case "signal":
        this.out.push(`${INDENT}${m.target.name} <- ${m.from.name} as ${printExpr(m.signal)}`);
        break;
      case "emit":
        this.out.push(`${INDENT}emit ${m.names.map((n) => n.name).join(", ")}`);
        break;
      case "into": {
        const t = m.target.kind === "pond" ? `pond.table(${printExpr(m.target.table)})` : `land(${printExpr(m.target.path)})`;
        const mode = m.mode ? ` ${m.mode.kind}${m.mode.keys.length ? ` by ${m.mode.keys.map((k) => k.name).join(", ")}` : ""}` : "";
        this.out.push(`${INDENT}into ${t} ${m.step.name}${mode}`);
        break;
      }
      case "defaults":
        this.out.push(`${INDENT}${printOptions(m.options)}`);
        break;
    }
    // comments inside a one-line construct move above it
    if (this.commentsWithin(m.span)) {
      const line = this.out.pop()!;
      this.leading(m.span.end, INDENT, false);
      this.out.push(line);
    }
  }
}

export { quote };
