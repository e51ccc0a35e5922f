import { MAX_DIAGNOSTICS } from "./limits.js";
import type {
  Arg,
  BinaryOp,
  Expr,
  Flow,
  FlowFile,
  IntoMode,
  IntoTarget,
  Member,
  Name,
  ObjectEntry,
  Param,
  Source,
  Stage,
  StageOption,
  WorkerProp,
  WorkerPropKey,
} from "./ast.js";
import { WORKER_PROPS } from "./ast.js";
import { diagnostic, type Diagnostic, type DiagnosticCode } from "./diagnostics.js";
import { scan } from "./scanner.js";
import { cover, type Span } from "./span.js";
import { didYouMean } from "../common/suggest.js";
import { OPTIONS, optionStarts } from "./option-words.js";
import type { Token, TokenKind } from "./tokens.js";

export interface ParseResult {
  file: FlowFile;
  diagnostics: Diagnostic[];
}

/** Internal unwinding after a reported syntax error; caught at member level. */
class Bail {}

/** Bound on expression depth (brackets, operators, field chains): keeps every later pass's recursion shallow. */
const MAX_DEPTH = 128;
const MAX_OPERATORS = 2000;
/** Words that start an option; the checker says where each is valid. */
const STAGE_OPTIONS = optionStarts();
/** Words that start a line of flow-wide defaults. */
const DEFAULT_OPTIONS = optionStarts("flow");
const STAGE_WORDS = ["gather", "reduce", "flatten", "last", "take", "where", "map", "group"];
const COMPARISONS = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);
const RESERVED_MEMBERS = ["worker", "emit", "into", "flow"];
/** Words from other tools, and what they are called here. */
const STAGE_ALIASES: Record<string, string> = {
  collect: "gather",
  toList: "gather",
  groupTuple: "group by",
  filter: "where",
  select: "map",
  fold: "reduce",
  first: "take 1",
  flatMap: "flatten",
  concat: "flatten",
  mix: "merge",
};
const WORKER_PROP_ALIASES: Record<string, string> = {
  container: "image",
  command: "run",
  cmd: "run",
  exec: "run",
  script: "run",
  cpus: "cpu",
  mem: "memory",
  address: "at",
  environment: "env",
  replica: "replicas",
};

function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of file";
    case "newline":
      return "end of line";
    case "string":
      return "a string";
    case "int":
    case "float":
    case "quantity":
      return `number \`${t.text}\``;
    case "ident":
      return `\`${t.text}\``;
    default:
      return `\`${t.text}\``;
  }
}

/** Recursive-descent parser with member-level error recovery: one pass reports every syntax error. */
export function parse(text: string): ParseResult {
  const scanned = scan(text);
  const toks = scanned.tokens;
  const diagnostics: Diagnostic[] = [...scanned.diagnostics];
  let pos = 0;
  /** Inside (), [] or {} of an expression newlines are insignificant. */
  let nesting = 0;
  let depth = 0;
  /** Operators in the current expression: long flat sums are fine, to a point. */
  let chain = 0;

  const raw = (): Token => toks[pos]!;
  /** A line starting at token `p` that can only be a new member (`x =`, `x <-`, `emit x`, ...). */
  const looksLikeMemberAt = (p: number): boolean => {
    while (toks[p]!.kind === "newline") p++;
    const t = toks[p]!;
    const after = toks[p + 1]!;
    if (t.kind === "}" || t.kind === "eof") return false;
    if (t.kind !== "ident") return false;
    return after.kind === "=" || after.kind === "<-" || ((t.text === "emit" || t.text === "into" || t.text === "worker") && after.kind === "ident");
  };
  const skipNewlinesIfNested = (): void => {
    // inside brackets newlines do not matter, unless the next line plainly starts a new
    // member: then the bracket was never closed, and the error belongs to this line
    if (nesting > 0 && toks[pos]!.kind === "newline" && !looksLikeMemberAt(pos)) while (toks[pos]!.kind === "newline") pos++;
  };
  const peek = (): Token => {
    skipNewlinesIfNested();
    return toks[pos]!;
  };
  const peekAt = (n: number): Token => {
    skipNewlinesIfNested();
    let p = pos;
    for (let k = 0; k < n && toks[p]!.kind !== "eof"; k++) {
      p++;
      if (nesting > 0 && toks[p]!.kind === "newline" && !looksLikeMemberAt(p)) while (toks[p]!.kind === "newline") p++;
    }
    return toks[p]!;
  };
  const next = (): Token => {
    const t = peek();
    if (t.kind !== "eof") pos++;
    return t;
  };
  const at = (kind: TokenKind, text?: string): boolean => {
    const t = peek();
    return t.kind === kind && (text === undefined || t.text === text);
  };
  const atWord = (word: string): boolean => at("ident", word);
  const skipNewlines = (): void => {
    while (toks[pos]!.kind === "newline" || toks[pos]!.kind === ";") pos++;
  };
  /** How many brackets were open when the last error was reported; recovery closes them. */
  let failNesting = 0;
  const fail = (code: DiagnosticCode, sp: Span, message: string, help?: string): never => {
    diagnostics.push(diagnostic(code, sp, message, help));
    failNesting = nesting;
    throw new Bail();
  };
  const expect = (kind: TokenKind, what: string, help?: string): Token => {
    const t = peek();
    if (t.kind !== kind) fail("QB1004", t.span, `expected ${what}, found ${describe(t)}`, help);
    return next();
  };
  const expectIdent = (what: string): Name => {
    const t = expect("ident", what);
    return { name: t.text, span: t.span };
  };
  const enter = (t: Token): void => {
    if (++depth > MAX_DEPTH) fail("QB1009", t.span, `nesting deeper than ${MAX_DEPTH} levels`, "split the expression into params or smaller parts");
  };
  const nested = <T>(f: () => T): T => {
    nesting++;
    try {
      return f();
    } finally {
      nesting--;
    }
  };

  /**
   * Error recovery, after a reported error: skip tokens up to the first sync point `stop`
   * accepts, or the end of the file. With `balanced`, brackets still open at the error are
   * closed by what follows, possibly on later lines, and a bracket opened on the way is
   * skipped whole: a sync point inside brackets does not count, unless a line plainly starts
   * a new member (then the bracket was never closed). `nesting` needs no reset: `nested`
   * restored it while the error unwound.
   */
  const recover = (stop: (t: Token) => boolean, balanced: boolean): void => {
    depth = 0;
    chain = 0;
    let d = balanced ? failNesting : 0;
    failNesting = 0;
    for (;;) {
      const t = toks[pos]!;
      if (t.kind === "eof") return;
      if (d > 0 && t.kind === "newline" && looksLikeMemberAt(pos + 1)) return;
      if (d <= 0 && stop(t)) return;
      if (balanced && (t.kind === "(" || t.kind === "[" || t.kind === "{")) d++;
      if (balanced && (t.kind === ")" || t.kind === "]" || t.kind === "}")) d--;
      pos++;
    }
  };
  /** Skip to the end of the member. */
  const synchronize = (): void => recover((t) => t.kind === "newline" || t.kind === ";" || t.kind === "}", true);

  // ---------- expressions ----------
  const parseExpr = (): Expr => parseOr();

  /** `operand (op operand)*`, grouped to the left; `opAt` names the operator at the current token, if any. */
  const leftAssociative = (operand: () => Expr, opAt: () => BinaryOp | undefined): Expr => {
    let left = operand();
    for (let op = opAt(); op !== undefined; op = opAt()) {
      operator(next());
      const right = operand();
      left = { kind: "binary", op, left, right, span: cover(left.span, right.span) };
    }
    return left;
  };
  const parseOr = (): Expr => leftAssociative(parseAnd, () => (atWord("or") ? "or" : undefined));
  const parseAnd = (): Expr => leftAssociative(parseNot, () => (atWord("and") ? "and" : undefined));
  const parseNot = (): Expr => {
    if (atWord("not")) {
      const word = next();
      enter(word);
      const operand = parseNot();
      depth--;
      return { kind: "unary", op: "not", operand, span: cover(word.span, operand.span) };
    }
    return parseComparison();
  };
  /** At most one comparison: `a < b < c` says what it means with `and`. */
  const parseComparison = (): Expr => {
    const left = parseAdditive();
    if (!COMPARISONS.has(peek().kind)) return left;
    const opTok = next();
    operator(opTok);
    const right = parseAdditive();
    const e: Expr = { kind: "binary", op: opTok.kind as BinaryOp, left, right, span: cover(left.span, right.span) };
    const again = peek();
    if (COMPARISONS.has(again.kind))
      fail("QB1004", again.span, `comparisons do not chain: \`${opTok.text}\` then \`${again.text}\``, "join two comparisons with `and`: `a < b and b < c`");
    return e;
  };

  const operator = (t: Token): void => {
    if (++chain > MAX_OPERATORS) fail("QB1009", t.span, `expression with more than ${MAX_OPERATORS} operators`, "split it into params or smaller parts");
  };
  const parseAdditive = (): Expr => leftAssociative(parseMultiplicative, () => (at("+") || at("-") ? (peek().kind as "+" | "-") : undefined));
  const parseMultiplicative = (): Expr => leftAssociative(parseUnary, () => (at("*") || at("/") || at("%") ? (peek().kind as "*" | "/" | "%") : undefined));
  /** An option's value or `take`'s count: a single operand, so `take n / 2` needs parentheses. */
  const parseOperand = (what: string): Expr => {
    const e = parseUnary();
    const t = peek();
    if (t.kind === "+" || t.kind === "-" || t.kind === "*" || t.kind === "/" || t.kind === "%") {
      fail("QB1004", t.span, `unexpected \`${t.text}\` after the value of ${what}`, `wrap the expression in parentheses: \`${what} (... ${t.text} ...)\``);
    }
    return e;
  };
  const parseUnary = (): Expr => {
    if (at("-")) {
      const minus = next();
      enter(minus);
      const operand = parseUnary();
      depth--;
      return { kind: "unary", op: "-", operand, span: cover(minus.span, operand.span) };
    }
    return parsePostfix(parsePrimary());
  };
  const parsePostfix = (e: Expr): Expr => {
    const base = depth;
    for (;;) {
      if (at(".") && peekAt(1).kind === "ident") {
        enter(next());
        const n = next();
        e = { kind: "member", object: e, name: n.text, nameSpan: n.span, span: cover(e.span, n.span) };
      } else if (at("[") && e.kind !== "error") {
        const open = next();
        enter(open);
        const index = nested(() => {
          const ix = parseExpr();
          const close = expect("]", "`]`");
          return { ix, close };
        });
        e = { kind: "index", object: e, index: index.ix, span: cover(e.span, index.close.span) };
      } else {
        depth = base;
        return e;
      }
    }
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    switch (t.kind) {
      case "int":
      case "float":
        next();
        return { kind: t.kind, value: t.value as number, raw: t.text, span: t.span };
      case "quantity":
        next();
        return { kind: "quantity", value: t.value as number, unit: t.unit!, raw: t.text, span: t.span };
      case "string":
        next();
        return { kind: "string", value: t.value as string, span: t.span };
      case "ident":
        next();
        if (t.text === "true" || t.text === "false") return { kind: "bool", value: t.text === "true", span: t.span };
        if (t.text === "null") return { kind: "null", span: t.span };
        return { kind: "name", name: t.text, span: t.span };
      case "(": {
        next();
        enter(t);
        const inner = nested(() => {
          const e = parseExpr();
          expect(")", "`)`");
          return e;
        });
        depth--;
        return inner;
      }
      case "[":
        return parseList();
      case "{":
        return parseObject();
      default:
        return fail("QB1004", t.span, `expected a value, found ${describe(t)}`);
    }
  };
  /** `open item, item, ... close`, commas between: the opening bracket is current. */
  const bracketed = <T>(close: "]" | "}" | ")", item: () => T): { items: T[]; span: Span } => {
    const open = next();
    enter(open);
    const result = nested(() => {
      const items: T[] = [];
      while (!at(close)) {
        items.push(item());
        if (!at(close)) expect(",", `\`,\` or \`${close}\``);
      }
      return { items, span: cover(open.span, next().span) };
    });
    depth--;
    return result;
  };
  const parseList = (): Expr => ({ kind: "list", ...bracketed("]", parseExpr) });
  const parseObject = (): Expr => {
    const { items: entries, span } = bracketed("}", (): ObjectEntry => {
      const k = peek();
      if (k.kind !== "ident" && k.kind !== "string") fail("QB1004", k.span, `expected a key, found ${describe(k)}`);
      next();
      expect(":", "`:` after the key");
      return { key: k.kind === "string" ? (k.value as string) : k.text, keySpan: k.span, value: parseExpr() };
    });
    return { kind: "object", entries, span };
  };
  /** `(a, name: b, ...)` — the opening paren is current. */
  const parseArgs = (): { args: Arg[]; span: Span } => {
    const { items: args, span } = bracketed(")", (): Arg => {
      const t = peek();
      if (t.kind === "ident" && peekAt(1).kind === "=") {
        // `n=samples`: say how it is written here, and read it as meant
        diagnostics.push(diagnostic("QB1004", peekAt(1).span, "named arguments use `:`, not `=`", `write \`${t.text}: ...\``));
      }
      if (t.kind === "ident" && (peekAt(1).kind === ":" || peekAt(1).kind === "=")) {
        next();
        next();
        const value = parseExpr();
        return { name: t.text, nameSpan: t.span, value, span: cover(t.span, value.span) };
      }
      const value = parseExpr();
      return { value, span: value.span };
    });
    return { args, span };
  };

  // ---------- stages and options ----------
  /** Any option is read here, after any stage or on a defaults line: the checker reports misplaced ones. */
  const parseOptions = (): StageOption[] => {
    const options: StageOption[] = [];
    for (;;) {
      const t = peek();
      if (t.kind !== "ident") return options;
      if (!STAGE_OPTIONS.includes(t.text)) {
        const help = didYouMean(t.text, STAGE_OPTIONS);
        return fail("QB1008", t.span, `unknown option \`${t.text}\``, help ?? `options are ${OPTIONS.map((o) => `\`${o.name}\``).join(", ")}`);
      }
      next();
      switch (t.text) {
        case "parallel": {
          const value = parseOperand("parallel");
          options.push({ kind: "parallel", value, span: cover(t.span, value.span) });
          break;
        }
        case "timeout": {
          const value = parseOperand("timeout");
          options.push({ kind: "timeout", value, span: cover(t.span, value.span) });
          break;
        }
        case "retry": {
          const count = parseOperand("retry");
          let sp = cover(t.span, count.span);
          let backoff: Expr | undefined;
          if (atWord("backoff")) {
            next();
            backoff = parseOperand("backoff");
            sp = cover(sp, backoff.span);
          }
          options.push(backoff ? { kind: "retry", count, backoff, span: sp } : { kind: "retry", count, span: sp });
          break;
        }
        case "ordered":
        case "hold":
          options.push({ kind: t.text, span: t.span });
          break;
        case "on": {
          const e = peek();
          if (!(e.kind === "ident" && e.text === "error"))
            fail("QB1004", e.span, `expected \`error\` after \`on\`, found ${describe(e)}`, "write `on error skip` or `on error fail`");
          next();
          const m = peek();
          if (!(m.kind === "ident" && (m.text === "skip" || m.text === "fail"))) fail("QB1004", m.span, `expected \`skip\` or \`fail\`, found ${describe(m)}`);
          next();
          options.push({ kind: "onError", mode: m.text as "skip" | "fail", span: cover(t.span, m.span) });
          break;
        }
      }
    }
  };

  const parseStage = (): Stage => {
    const t = peek();
    if (t.kind !== "ident")
      return fail(
        "QB1005",
        t.span,
        `expected a stage after \`|\`, found ${describe(t)}`,
        "a stage is `worker.method(...)`, `gather`, `reduce w.m`, `flatten`, `last`, `take n`, `where EXPR`, `map EXPR` or `group by EXPR`",
      );
    if (peekAt(1).kind === "-" && hyphenatedCall()) {
      const worker = declaredName("a worker name");
      next();
      return workerCall(t, worker);
    }
    const dotted = peekAt(1).kind === ".";
    if (!dotted && STAGE_WORDS.includes(t.text)) {
      next();
      switch (t.text) {
        case "gather": {
          let byRound = false;
          let sp = t.span;
          if (atWord("by")) {
            next();
            const r = expect("ident", "`round` after `gather by`");
            if (r.text !== "round") fail("QB1004", r.span, `expected \`round\` after \`gather by\`, found ${describe(r)}`);
            byRound = true;
            sp = cover(sp, r.span);
          }
          const options = parseOptions();
          return { kind: "gather", byRound, options, span: endOf(sp, options) };
        }
        case "reduce": {
          const worker = expectIdent("a worker after `reduce`, as in `reduce w.add`");
          expect(".", "`.` and a method name, as in `reduce w.add`");
          return workerCall(t, worker, "reduce");
        }
        case "take": {
          const count = parseOperand("take");
          const options = parseOptions();
          return { kind: "take", count, options, span: endOf(cover(t.span, count.span), options) };
        }
        case "where":
        case "map": {
          const expr = parseExpr();
          const options = parseOptions();
          return { kind: t.text, expr, options, span: endOf(cover(t.span, expr.span), options) };
        }
        case "group": {
          const by = peek();
          if (!(by.kind === "ident" && by.text === "by"))
            fail("QB1004", by.span, `expected \`by\` after \`group\`, found ${describe(by)}`, "write `group by item.key`");
          next();
          const key = parseExpr();
          const options = parseOptions();
          return { kind: "group", key, options, span: endOf(cover(t.span, key.span), options) };
        }
        default: {
          const options = parseOptions();
          return { kind: t.text as "flatten" | "last", options, span: endOf(t.span, options) };
        }
      }
    }
    if (!dotted) {
      const alias = Object.hasOwn(STAGE_ALIASES, t.text) ? STAGE_ALIASES[t.text] : undefined;
      const help =
        (alias ? `did you mean \`${alias}\`?` : didYouMean(t.text, STAGE_WORDS)) ??
        "a stage is `worker.method(...)`, `gather`, `reduce w.m`, `flatten`, `last` or `take n`";
      return fail("QB1005", t.span, `expected a stage, found ${describe(t)}`, help);
    }
    next();
    const worker = { name: t.text, span: t.span };
    next();
    return workerCall(t, worker);
  };

  /** Where a chain `a-b-c` of touching words and dashes starting at token `p` ends (its last word). */
  const hyphenChainEnd = (p: number): number => {
    while (
      toks[p]!.kind === "ident" &&
      toks[p + 1]!.kind === "-" &&
      toks[p + 1]!.span.start === toks[p]!.span.end &&
      toks[p + 2]!.kind === "ident" &&
      toks[p + 2]!.span.start === toks[p + 1]!.span.end
    )
      p += 2;
    return p;
  };

  /** `mc-sim.sample`: a hyphenated worker name before a method. */
  const hyphenatedCall = (): boolean => {
    const end = hyphenChainEnd(pos);
    return end !== pos && toks[end + 1]!.kind === ".";
  };

  /** The rest of `worker.method(args) options` (or of `reduce worker.method`), after the `.`. */
  const workerCall = (t: Token, worker: Name, kind: "call" | "reduce" = "call"): Stage => {
    const method = expectIdent("a method name after `.`");
    let sp = cover(t.span, method.span);
    let args: Arg[] | null = null;
    if (at("(")) {
      const a = parseArgs();
      args = a.args;
      sp = cover(sp, a.span);
    }
    const options = parseOptions();
    return { kind, worker, method, args, options, span: endOf(sp, options) };
  };

  const endOf = (sp: Span, options: StageOption[]): Span => (options.length ? cover(sp, options[options.length - 1]!.span) : sp);

  const parseSource = (): Source => {
    const t = peek();
    if (t.kind === "[") {
      const expr = parseList();
      return { kind: "literal", expr, span: expr.span };
    }
    if (t.kind !== "ident")
      return fail(
        "QB1006",
        t.span,
        `expected a source, found ${describe(t)}`,
        'a source is a step name, `range(n)`, a list `[...]`, `merge(a, b)`, `pond("SQL")`, `glob("pattern")` or `land.glob("pattern")`',
      );
    next();
    let callee = t.text;
    let calleeSpan = t.span;
    if (at(".") && peekAt(1).kind === "ident") {
      next();
      const m = next();
      callee = `${t.text}.${m.text}`;
      calleeSpan = cover(t.span, m.span);
    }
    if (at("(")) {
      const a = parseArgs();
      return { kind: "call", callee, calleeSpan, args: a.args, span: cover(t.span, a.span) };
    }
    if (callee.includes(".")) {
      return { kind: "call", callee, calleeSpan, args: [], span: calleeSpan };
    }
    return { kind: "ref", name: t.text, span: t.span };
  };

  // ---------- members ----------
  /** `raw-hits = ...`: a hyphenated name followed by `=`. */
  const hyphenatedBinding = (): boolean => {
    const end = hyphenChainEnd(pos);
    return end !== pos && toks[end + 1]!.kind === "=";
  };

  const parseBinding = (): Member => {
    const name = declaredName("a step name");
    const nameTok = { span: name.span };
    next(); // =

    let source: Source = { kind: "literal", expr: { kind: "error", span: nameTok.span }, span: nameTok.span };
    const stages: Stage[] = [];
    try {
      source = parseSource();
      for (;;) {
        // a line that starts with `|` continues the binding
        let p = pos;
        while (toks[p]!.kind === "newline") p++;
        if (toks[p]!.kind !== "|") break;
        const bar = toks[p]!;
        pos = p + 1;
        if (toks[pos]!.kind === "newline") {
          // `|` may end a line when the stage follows on the next; not when a new member does
          while (toks[pos]!.kind === "newline") pos++;
          const t = toks[pos]!;
          const after = toks[pos + 1]!;
          if (t.kind === "}" || t.kind === "eof" || (t.kind === "ident" && (after.kind === "=" || after.kind === "<-" || RESERVED_MEMBERS.includes(t.text)))) {
            pos = p + 1;
            fail(
              "QB1005",
              bar.span,
              "expected a stage after `|`, found end of line",
              "a stage is `worker.method(...)`, `gather`, `reduce w.m`, `flatten`, `last` or `take n`",
            );
          }
        }
        stages.push(parseStage());
      }
      const end = raw();
      if (end.kind !== "newline" && end.kind !== ";" && end.kind !== "}" && end.kind !== "eof") {
        fail("QB1004", end.span, `expected \`|\` or end of line, found ${describe(end)}`);
      }
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      synchronize();
      const last = stages.length ? stages[stages.length - 1]!.span : source.span;
      return { kind: "binding", name, source, stages, span: cover(nameTok.span, last), broken: true };
    }
    const last = stages.length ? stages[stages.length - 1]!.span : source.span;
    return { kind: "binding", name, source, stages, span: cover(nameTok.span, last) };
  };

  const parseWorker = (): Member => {
    const kw = next();
    const name = declaredName("a worker name");
    expect("{", "`{` to start the worker's properties");
    const props: WorkerProp[] = [];
    const isProp = (t: Token): boolean => t.kind === "ident" && (WORKER_PROPS as readonly string[]).includes(t.text);
    for (;;) {
      const lineEnd = pos;
      skipNewlines();
      const t = raw();
      if (t.kind === "}") {
        pos++;
        return { kind: "worker", name, props, span: cover(kw.span, t.span) };
      }
      if (t.kind === "eof" || (!isProp(t) && looksLikeMemberAt(pos))) {
        // the block was never closed: end it at the line before, so the next members still count
        diagnostics.push(diagnostic("QB1004", t.span, `expected \`}\` to close worker \`${name.name}\`, found ${describe(t)}`));
        pos = lineEnd;
        return { kind: "worker", name, props, span: kw.span };
      }
      if (!isProp(t)) {
        const alias = t.kind === "ident" && Object.hasOwn(WORKER_PROP_ALIASES, t.text) ? WORKER_PROP_ALIASES[t.text] : undefined;
        const help = t.kind === "ident" ? (alias ? `did you mean \`${alias}\`?` : didYouMean(t.text, WORKER_PROPS)) : undefined;
        diagnostics.push(
          diagnostic("QB1007", t.span, `unknown worker property ${describe(t)}`, help ?? `properties are ${WORKER_PROPS.map((p) => `\`${p}\``).join(", ")}`),
        );
        // skip its value: up to the next property, the end of the line or the block
        pos++;
        while (raw().kind !== "eof" && raw().kind !== "}" && raw().kind !== "newline" && !isProp(raw())) {
          if (raw().kind === "{" || raw().kind === "(" || raw().kind === "[") skipBalanced();
          else pos++;
        }
        continue;
      }
      pos++;
      const key = t.text as WorkerPropKey;
      chain = 0;
      try {
        const values = [parseExpr()];
        if (key === "at") {
          while (at(",")) {
            next();
            while (raw().kind === "newline") pos++;
            values.push(parseExpr());
          }
        }
        props.push({ key, keySpan: t.span, values, span: cover(t.span, values[values.length - 1]!.span) });
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        // skip to the next property, the end of the line or of the block
        recover((k) => k.kind === "}" || k.kind === "newline" || isProp(k), true);
      }
    }
  };

  /**
   * A name being declared (flow, worker, step). `estimate-pi` is a common slip: say so
   * once and read it as `estimate_pi`, so nothing else breaks.
   */
  const declaredName = (what: string): Name => {
    const first = expect("ident", what);
    let name = first.text;
    let end = first.span.end;
    while (raw().kind === "-" && raw().span.start === end && toks[pos + 1]!.kind === "ident" && toks[pos + 1]!.span.start === raw().span.end) {
      name += `_${toks[pos + 1]!.text}`;
      end = toks[pos + 1]!.span.end;
      pos += 2;
    }
    if (end !== first.span.end)
      diagnostics.push(
        diagnostic("QB1004", { start: first.span.start, end }, `names cannot contain \`-\`: \`${text.slice(first.span.start, end)}\``, `write \`${name}\``),
      );
    return { name, span: { start: first.span.start, end } };
  };

  const skipBalanced = (): void => {
    let d = 0;
    do {
      const k = raw().kind;
      if (k === "eof") return;
      if (k === "{" || k === "(" || k === "[") d++;
      if (k === "}" || k === ")" || k === "]") d--;
      pos++;
    } while (d > 0);
  };

  const parseNameList = (what = "a step name"): Name[] => {
    const names = [expectIdent(what)];
    while (at(",")) {
      next();
      names.push(expectIdent(`${what} after \`,\``));
    }
    return names;
  };

  const parseMember = (): Member => {
    const t = peek();
    if (t.kind === "ident") {
      const after = peekAt(1);
      if (after.kind === "=" && !RESERVED_MEMBERS.includes(t.text)) return parseBinding();
      if (after.kind === "-" && hyphenatedBinding()) return parseBinding();
      if (after.kind === "<-") {
        next();
        next();
        const from = expectIdent("a step name after `<-`");
        const as = peek();
        if (!(as.kind === "ident" && as.text === "as"))
          fail("QB1004", as.span, `expected \`as "signal"\` after \`${t.text} <- ${from.name}\`, found ${describe(as)}`);
        next();
        const signal = parseExpr();
        return { kind: "signal", target: { name: t.text, span: t.span }, from, signal, span: cover(t.span, signal.span) };
      }
      switch (t.text) {
        case "worker":
          return parseWorker();
        case "emit": {
          next();
          const names = parseNameList();
          return { kind: "emit", names, span: cover(t.span, names[names.length - 1]!.span) };
        }
        case "into": {
          next();
          const target = parseIntoTarget();
          const step = expectIdent("the name of the step to write");
          const mode = parseIntoMode();
          return { kind: "into", target, step, ...(mode ? { mode } : {}), span: cover(t.span, mode?.span ?? step.span) };
        }
        case "flow":
          return fail("QB1010", t.span, "a file holds one flow; a `flow` cannot be nested in another");
      }
      if (DEFAULT_OPTIONS.includes(t.text)) {
        const options = parseOptions();
        return { kind: "defaults", options, span: cover(t.span, options[options.length - 1]?.span ?? t.span) };
      }
      if (t.text === "hold")
        fail("QB4007", t.span, "`hold` marks one stage; it cannot be a flow-wide default", "put `hold` after the worker call it applies to");
      const help = didYouMean(t.text, [...RESERVED_MEMBERS.slice(0, 3), ...DEFAULT_OPTIONS]);
      const shape =
        after.kind === "newline" || after.kind === "eof" || after.kind === "|"
          ? `a binding is \`${t.text} = source | stage ...\``
          : 'a member is a binding `name = source | ...`, `worker`, `emit`, `into`, a signal `a <- b as "s"` or a default like `timeout 10m`';
      return fail("QB1013", t.span, `expected a binding, \`worker\`, \`emit\`, \`into\`, a signal or a default, found ${describe(t)}`, help ?? shape);
    }
    return fail("QB1013", t.span, `expected a flow member, found ${describe(t)}`);
  };

  /** `append`, `replace` or `upsert by col, col` after the step of an `into`. */
  const parseIntoMode = (): IntoMode | undefined => {
    const t = peek();
    if (t.kind !== "ident" || !["append", "replace", "upsert"].includes(t.text)) return undefined;
    next();
    const kind = t.text as IntoMode["kind"];
    if (kind !== "upsert") return { kind, keys: [], span: t.span };
    const by = peek();
    if (!(by.kind === "ident" && by.text === "by"))
      fail("QB1004", by.span, `expected \`by\` after \`upsert\`, found ${describe(by)}`, "write `upsert by id` (the key columns)");
    next();
    const keys = parseNameList("a key column");
    return { kind, keys, span: cover(t.span, keys[keys.length - 1]!.span) };
  };

  const parseIntoTarget = (): IntoTarget => {
    const t = peek();
    if (t.kind === "ident" && t.text === "pond") {
      next();
      expect(".", '`.table("name")` after `pond`');
      const table = expect("ident", "`table`");
      if (table.text !== "table") fail("QB1004", table.span, `expected \`table\`, found ${describe(table)}`, 'write `into pond.table("name") step`');
      const a = parseArgs();
      if (a.args.length !== 1 || a.args[0]!.name !== undefined) fail("QB4004", cover(t.span, a.span), "`pond.table` takes one argument, the table name");
      return { kind: "pond", table: a.args[0]!.value, span: cover(t.span, a.span) };
    }
    if (t.kind === "ident" && t.text === "land") {
      next();
      if (!at("(")) fail("QB1004", peek().span, `expected \`(\` after \`land\`, found ${describe(peek())}`, 'write `into land("out/x.jsonl") step`');
      const a = parseArgs();
      if (a.args.length !== 1 || a.args[0]!.name !== undefined) fail("QB4004", cover(t.span, a.span), "`land` takes one argument, the path under the land");
      return { kind: "land", path: a.args[0]!.value, span: cover(t.span, a.span) };
    }
    return fail("QB1004", t.span, `expected \`pond.table(...)\` or \`land(...)\` after \`into\`, found ${describe(t)}`);
  };

  const parseParams = (): Param[] => {
    const params: Param[] = [];
    expect("(", "`(` and the flow's params (write `()` for none)");
    nested(() => {
      while (!at(")") && !at("eof")) {
        chain = 0;
        try {
          const name = expectIdent("a param name");
          expect(":", `\`:\` and a type after param \`${name.name}\``, "types are `int`, `float`, `string`, `bool`, `duration`, `json`");
          const type = expectIdent("a type");
          let def: Expr | undefined;
          if (at("=")) {
            next();
            def = parseExpr();
          }
          params.push(def ? { name, type, default: def, span: cover(name.span, def.span) } : { name, type, span: cover(name.span, type.span) });
          if (at("ident") && peekAt(1).kind === ":") {
            // a missing comma: say so, and keep the next param
            diagnostics.push(diagnostic("QB1004", peek().span, `expected \`,\` between params, found ${describe(peek())}`, "separate params with `,`"));
            continue;
          }
          if (!at(")")) expect(",", "`,` or `)`");
        } catch (e) {
          if (!(e instanceof Bail)) throw e;
          // to the next param, or the end of the list (`{` when its `)` is missing)
          recover((t) => t.kind === ")" || t.kind === "," || t.kind === "{", false);
          if (at(",")) next();
          if (at("{")) return;
        }
      }
    });
    if (at(")")) next();
    return params;
  };

  const parseFlow = (): Flow | undefined => {
    skipNewlines();
    const kw = raw();
    if (!(kw.kind === "ident" && kw.text === "flow")) {
      diagnostics.push(diagnostic("QB1010", kw.span, `expected \`flow NAME(params) { ... }\`, found ${describe(kw)}`));
      return undefined;
    }
    pos++;
    let name: Name = { name: "", span: kw.span };
    let params: Param[] = [];
    try {
      name = declaredName("the flow's name");
      params = parseParams();
      expect("{", "`{` to open the flow's body");
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      // a broken header: the body still counts
      recover((t) => t.kind === "{", false);
      if (raw().kind === "{") pos++;
    }
    const members: Member[] = [];
    for (;;) {
      skipNewlines();
      const t = raw();
      if (diagnostics.length >= MAX_DIAGNOSTICS) {
        if (!scanned.diagnostics.some((d) => d.message.startsWith("too many mistakes"))) {
          diagnostics.push(diagnostic("QB1004", t.span, `too many mistakes (${MAX_DIAGNOSTICS}): the rest of the file is not read`, "is this a flow file?"));
        }
        return { name, params, members, span: cover(kw.span, t.span) };
      }
      if (t.kind === "}") {
        pos++;
        return { name, params, members, span: cover(kw.span, t.span) };
      }
      if (t.kind === "eof") {
        diagnostics.push(diagnostic("QB1004", t.span, "expected `}` to close the flow, found end of file"));
        return { name, params, members, span: cover(kw.span, t.span) };
      }
      try {
        // the operator bound is per member: a long flow may have many expressions
        chain = 0;
        members.push(parseMember());
        const end = raw();
        if (end.kind !== "newline" && end.kind !== ";" && end.kind !== "}" && end.kind !== "eof") {
          fail("QB1004", end.span, `expected end of line, found ${describe(end)}`);
        }
      } catch (e) {
        if (!(e instanceof Bail)) throw e;
        synchronize();
        // a stray closing brace on its own does not end the flow if more members follow on later lines
      }
    }
  };

  const flow = parseFlow();
  skipNewlines();
  if (flow && raw().kind !== "eof") {
    const t = raw();
    diagnostics.push(diagnostic("QB1010", t.span, `unexpected ${describe(t)} after the flow's closing \`}\``, "a file holds exactly one flow"));
  }
  const file: FlowFile = { comments: scanned.comments, text };
  if (flow) file.flow = flow;
  return { file, diagnostics };
}
