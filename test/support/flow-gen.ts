/**
 * Random valid flows for property tests and benchmarks: every generated flow compiles
 * without errors (warnings allowed), in varied layouts, with comments in many places.
 */
import fc from "fast-check";

const ident = fc.constantFrom("alpha", "beta", "gamma", "delta", "eps", "zeta", "theta", "kappa", "lambda_", "mu2");

interface Ctx {
  params: { name: string; type: "int" | "float" | "string" | "bool" | "duration" }[];
}

function literalFor(type: string): fc.Arbitrary<string> {
  switch (type) {
    case "int":
      return fc.oneof(fc.nat(100_000).map(String), fc.constantFrom("1_000", "20_000_000", "0"));
    case "float":
      return fc.oneof(
        fc.double({ min: 0, max: 1000, noNaN: true }).map((x) => x.toFixed(3)),
        fc.constant("1e3"),
        fc.constant("2.5e-3"),
      );
    case "string":
      return fc
        .string({ unit: fc.constantFrom("a", "b", " ", '"', "\\", "é", "€", "\n", "\t", "😀"), maxLength: 8 })
        .map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`);
    case "bool":
      return fc.constantFrom("true", "false");
    default:
      return fc.constantFrom("30s", "500ms", "2m", "1h", "1.5s");
  }
}

/** An expression over the current item and the flow's numeric params. */
function valueExpr(ctx: Ctx, withItem: boolean): fc.Arbitrary<string> {
  const numeric = ctx.params.filter((p) => p.type === "int" || p.type === "float").map((p) => p.name);
  const atoms: fc.Arbitrary<string>[] = [fc.nat(1000).map(String), fc.constantFrom("1.5", '"text"', "null", "true", "[1, 2]", '{a: 1, "b c": [true]}')];
  if (numeric.length) atoms.push(fc.constantFrom(...numeric));
  if (withItem) atoms.push(fc.constant("item"));
  const atom = fc.oneof(...atoms);
  const numAtom = fc.oneof(fc.nat(1000).map(String), ...(numeric.length ? [fc.constantFrom(...numeric)] : []));
  return fc.oneof(
    { weight: 3, arbitrary: atom },
    {
      weight: 2,
      arbitrary: fc
        .tuple(numAtom, fc.constantFrom("+", "-", "*", "/", "%"), numAtom)
        .map(([a, op, b]) => `${a} ${op} ${op === "/" || op === "%" ? String(b.length + 1) : b}`),
    },
    { weight: 1, arbitrary: fc.tuple(numAtom, numAtom, numAtom).map(([a, b, c]) => `(${a} + ${b}) * -${c}`) },
  );
}

/** A bool over the item and numeric params: comparisons joined by `and`, `or` and `not`. */
function testExpr(ctx: Ctx): fc.Arbitrary<string> {
  const numeric = ctx.params.filter((p) => p.type === "int" || p.type === "float").map((p) => p.name);
  const num = fc.oneof(fc.nat(100).map(String), ...(numeric.length ? [fc.constantFrom(...numeric)] : []));
  // the item may be a list (after gather) or an object: it is only tested for equality
  const cmp = fc.oneof(
    fc.tuple(num, fc.constantFrom("==", "!=", "<", "<=", ">", ">="), num).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom("==", "!="), num).map(([op, b]) => `item ${op} ${b}`),
  );
  return fc.oneof(
    { weight: 3, arbitrary: cmp },
    { weight: 1, arbitrary: fc.tuple(cmp, fc.constantFrom("and", "or"), cmp).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: cmp.map((c) => `not (${c})`) },
    { weight: 1, arbitrary: fc.tuple(cmp, cmp, cmp).map(([a, b, c]) => `(${a} or ${b}) and not ${c}`) },
  );
}

const options = fc
  .subarray(["parallel 4", "timeout 30s", "retry 2 backoff 1s", "ordered", "on error skip"])
  .chain((xs) => fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }));
const comment = fc.constantFrom("# a comment", "# fan out here", "#", "# über: ünïcode", "# TODO: tune");

export interface GeneratedFlow {
  text: string;
}

export const flowArb: fc.Arbitrary<string> = fc
  .record({
    name: ident,
    params: fc.uniqueArray(
      fc.record({
        name: ident.map((n) => `p_${n}`),
        type: fc.constantFrom("int", "float", "string", "bool", "duration") as fc.Arbitrary<Ctx["params"][number]["type"]>,
      }),
      { selector: (p) => p.name, maxLength: 3 },
    ),
    workers: fc.uniqueArray(
      ident.map((n) => `w_${n}`),
      { minLength: 1, maxLength: 2 },
    ),
    nsteps: fc.integer({ min: 1, max: 6 }),
    seed: fc.nat(),
  })
  .chain(({ name, params, workers, nsteps }) => {
    const ctx: Ctx = { params };
    const paramText = params.map((p) => fc.tuple(fc.constant(p), literalFor(p.type)).map(([pp, v]) => `${pp.name}: ${pp.type} = ${v}`));
    const workerText = workers.map((w) =>
      fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.boolean()).map(([multi, r, env]) => {
        const props = [`run "node ${w}.js"`, `replicas ${r}`, ...(env ? ['env {LEVEL: "debug", N: 3}'] : [])];
        return multi ? `worker ${w} {\n    ${props.join("\n    ")}\n  }` : `worker ${w} { ${props.join(" ")} }`;
      }),
    );
    const stepNames = Array.from({ length: nsteps }, (_, i) => `s${i}`);
    const call = (withArgs: boolean): fc.Arbitrary<string> =>
      fc
        .tuple(
          fc.constantFrom(...workers),
          fc.constantFrom("f", "g", "compute"),
          withArgs ? fc.array(fc.tuple(fc.constantFrom("n", "seed", "x", "y"), valueExpr(ctx, true)), { maxLength: 3 }) : fc.constant([]),
          options,
          fc.boolean(),
        )
        .map(([w, m, args, opts, positional]) => {
          const uniq = [...new Map(args.map(([k, v]) => [k, v])).entries()];
          const a = uniq.length === 0 ? "" : positional && uniq.length === 1 ? `(${uniq[0]![1]})` : `(${uniq.map(([k, v]) => `${k}: ${v}`).join(", ")})`;
          return `${w}.${m}${a}${opts.length ? " " + opts.join(" ") : ""}`;
        });
    const stage = fc.oneof(
      { weight: 4, arbitrary: call(true) },
      { weight: 1, arbitrary: fc.constant("gather") },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...workers), fc.constantFrom("add", "merge_")).map(([w, m]) => `reduce ${w}.${m} parallel 2`) },
      { weight: 1, arbitrary: fc.constantFrom("flatten", "last", "take 3") },
      { weight: 1, arbitrary: testExpr(ctx).map((t) => `where ${t}`) },
      { weight: 1, arbitrary: valueExpr(ctx, true).map((e) => `map {v: ${e}}`) },
      { weight: 1, arbitrary: fc.constantFrom("group by item", "group by [item, 1]", "group by {k: item}") },
    );
    const numericParams = params.filter((p) => p.type === "int").map((p) => p.name);
    const firstSource = fc.oneof(
      fc.constantFrom(
        `range(10)`,
        `[1, 2, 3]`,
        `["a", "b"]`,
        `pond("SELECT * FROM t WHERE a = :a", {a: 1})`,
        `glob("**/*.csv", root: "data")`,
        `land.glob("in/*.bin")`,
      ),
      ...(numericParams.length ? [fc.constantFrom(...numericParams.map((p) => `range(${p})`))] : []),
    );
    const steps = stepNames.map((s, i) => {
      const source =
        i === 0
          ? firstSource
          : i >= 2
            ? fc.oneof(fc.constantFrom(...stepNames.slice(0, i)), fc.constant(`merge(${stepNames[i - 1]}, ${stepNames[i - 2]})`))
            : fc.constant(stepNames[i - 1]!);
      return fc
        .tuple(source, fc.array(stage, { maxLength: 3 }), fc.boolean(), fc.option(comment, { nil: undefined }))
        .map(([src, stages, multiline, trailing]) => {
          const body = multiline && stages.length ? `${src}\n    | ${stages.join("\n    | ")}` : [src, ...stages].join(" | ");
          return `${s} = ${body}${trailing ? ` ${trailing}` : ""}`;
        });
    });
    const sinks = fc.tuple(fc.boolean(), fc.boolean()).map(([land, defaults]) => {
      const out = [`emit ${stepNames[nsteps - 1]}`];
      if (land) out.push(`into land("out/${name}.jsonl") ${stepNames[0]}`);
      if (defaults) out.unshift("timeout 10m retry 1");
      return out;
    });
    return fc
      .tuple(fc.tuple(...paramText), fc.tuple(...workerText), fc.tuple(...steps), sinks, fc.array(comment, { maxLength: 2 }), fc.boolean())
      .map(([ps, ws, ss, sk, leading, blankLines]) => {
        const sep = blankLines ? "\n\n  " : "\n  ";
        const members = [...ws, ...ss, ...sk];
        const head = leading.length ? leading.join("\n") + "\n" : "";
        return `${head}flow ${name}(${ps.join(", ")}) {\n  ${members.join(sep)}\n}\n`;
      });
  });

/** A deterministic flow of `steps` steps for benchmarks: a fan-out chain with tees and merges. */
export function bigFlow(steps: number): string {
  const lines = [
    "flow big(n: int = 1000, scale: float = 0.5) {",
    '  worker w { run "node w.js" replicas 4 }',
    "  timeout 30s retry 2 backoff 1s",
    "  s0 = range(n)",
  ];
  for (let i = 1; i < steps; i++) {
    const src = i % 50 === 0 && i >= 2 ? `merge(s${i - 1}, s${i - 2})` : `s${i - 1}`;
    const stage = i % 7 === 0 ? "gather | w.combine(parts: item)" : `w.step${i % 13}(x: item * scale + ${i}, seed: ${i}) parallel 8`;
    lines.push(`  s${i} = ${src} | ${stage}`);
  }
  lines.push(`  emit s${steps - 1}`, "}");
  return lines.join("\n") + "\n";
}
