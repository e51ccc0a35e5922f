import type { Expr, Member, WorkerPropKey } from "./ast.js";
import { diagnostic } from "./diagnostics.js";
import { checkExpr, constString, describeType, isConstant, type ExprScope } from "./expressions.js";
import { wholeNumber } from "./options.js";
import type { Json, Loc, WorkerIR } from "../ir/types.js";
import type { Span } from "./span.js";

type WorkerDecl = Extract<Member, { kind: "worker" }>;

/** `host:port`, `[v6]:port` or `unix:/path`. */
export const ADDRESS = /^(unix:\/.+|(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+))$/;

export function checkWorker(w: WorkerDecl, scope: ExprScope, loc: Loc): WorkerIR {
  const ir: WorkerIR = { name: w.name.name, replicas: 1, env: {}, loc };
  const seen = new Map<WorkerPropKey, Expr>();
  const keys = new Map<WorkerPropKey, Span>();
  const str = (e: Expr, what: string): string | undefined => constString(e, what, scope);
  let replicasGiven = false;
  for (const p of w.props) {
    if (seen.has(p.key)) {
      scope.report(diagnostic("QB1012", p.keySpan, `\`${p.key}\` given twice in worker \`${w.name.name}\``));
      continue;
    }
    seen.set(p.key, p.values[0]!);
    keys.set(p.key, p.keySpan);
    const v = p.values[0]!;
    switch (p.key) {
      case "run": {
        const s = str(v, "`run`");
        if (s !== undefined) ir.run = s;
        break;
      }
      case "image": {
        const s = str(v, "`image`");
        if (s !== undefined) ir.image = s;
        break;
      }
      case "replicas": {
        replicasGiven = true;
        const n = wholeNumber(v, 1, "`replicas`", scope);
        if (n !== undefined) ir.replicas = n;
        break;
      }
      case "env": {
        const t = checkExpr(v, scope);
        if (t.error) break;
        if (!isConstant(t) || t.type !== "object") {
          scope.report(diagnostic("QB3001", v.span, `\`env\` must be an object like \`{LEVEL: "debug"}\`, got ${describeType(t.type)}`));
          break;
        }
        for (const [k, val] of Object.entries(t.ir.value as Record<string, Json>)) {
          if (val === null || typeof val === "object") {
            scope.report(diagnostic("QB3001", v.span, `env \`${k}\` must be a string, number or bool`));
            continue;
          }
          Object.defineProperty(ir.env, k, { value: String(val), enumerable: true, writable: true, configurable: true });
        }
        break;
      }
      case "cpu": {
        // `500m` is 500 millicores here, as in Kubernetes, not 500 minutes
        if (v.kind === "quantity" && v.unit === "m" && v.value > 0) {
          ir.cpu = v.value / 1000;
          break;
        }
        const t = checkExpr(v, scope);
        if (t.error) break;
        if (!isConstant(t) || (t.type !== "int" && t.type !== "float") || typeof t.ir.value !== "number" || !(t.ir.value > 0)) {
          scope.report(diagnostic("QB3005", v.span, "`cpu` needs a number of cores above zero, like `1`, `0.5` or `500m`"));
          break;
        }
        ir.cpu = t.ir.value;
        break;
      }
      case "memory": {
        const t = checkExpr(v, scope);
        if (t.error) break;
        if (!isConstant(t) || t.type !== "size" || !((t.ir.value as number) > 0)) {
          scope.report(diagnostic("QB3005", v.span, `\`memory\` needs a size like \`512Mi\` or \`2Gi\`, got ${describeType(t.type)}`));
          break;
        }
        ir.memoryBytes = Math.round(t.ir.value as number);
        break;
      }
      case "deploy": {
        // a word, not a string: `deploy service` (or `deploy pod`, the default)
        if (v.kind === "name" && (v.name === "service" || v.name === "pod")) {
          if (v.name === "service") ir.deploy = "service";
        } else {
          scope.report(
            diagnostic(
              "QB4017",
              v.span,
              "`deploy` takes `pod` (the default: containers of the quarterback's pod) or `service` (a Deployment behind a headless Service)",
              "write `deploy service`",
            ),
          );
        }
        break;
      }
      case "at": {
        const addresses: string[] = [];
        for (const e of p.values) {
          const s = str(e, "an address");
          if (s === undefined) continue;
          const m = ADDRESS.exec(s);
          // a port outside 1-65535 would only fail when the run connects
          const port = m?.[3] === undefined ? undefined : Number(m[3]);
          if (!m || (port !== undefined && !(port >= 1 && port <= 65535))) {
            scope.report(
              diagnostic(
                "QB3010",
                e.span,
                `\`${s}\` is not a worker address${m ? ": the port must be 1 to 65535" : ""}`,
                'write `"host:port"` or `"unix:/path/to.sock"`',
              ),
            );
            continue;
          }
          addresses.push(s);
        }
        ir.at = addresses;
        ir.replicas = Math.max(1, addresses.length);
        break;
      }
    }
  }
  const run = seen.get("run");
  const at = seen.get("at");
  if (run && at) {
    scope.report(
      diagnostic(
        "QB4005",
        keys.get("at")!,
        `worker \`${w.name.name}\` has both \`run\` and \`at\``,
        "`run` starts a local worker; `at` attaches to running ones: keep one",
      ),
    );
  } else if (!run && !at) {
    scope.report(
      diagnostic(
        "QB4005",
        w.name.span,
        `worker \`${w.name.name}\` has neither \`run\` nor \`at\``,
        `add \`run "command"\` to start it, or \`at "host:port"\` to attach`,
      ),
    );
  }
  if (ir.deploy === "service") {
    if (at) {
      scope.report(
        diagnostic(
          "QB4017",
          keys.get("deploy")!,
          `worker \`${w.name.name}\` is attached with \`at\`: it already runs elsewhere, so \`qb k8s\` cannot deploy it as a service`,
          "remove `deploy service`, or replace `at` with `run` and `image`",
        ),
      );
    } else if (!seen.has("image")) {
      scope.report(
        diagnostic(
          "QB4017",
          keys.get("deploy")!,
          `worker \`${w.name.name}\` is deployed as a service but has no \`image\``,
          'a Deployment runs in other pods, which need the worker\'s container image: add `image "registry/name:tag"`',
        ),
      );
    }
  }
  if (at && replicasGiven) {
    scope.report(
      diagnostic(
        "QB4007",
        keys.get("replicas")!,
        "`replicas` is not valid with `at`: each address is one replica",
        "remove `replicas`, or list one address per replica",
      ),
    );
  }
  return ir;
}
