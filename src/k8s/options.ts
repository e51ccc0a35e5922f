/** What `qb k8s` is told besides the flow, and the parsing of its `--lake-sync` specs. */
import { parseMemoryQuantity } from "./quantities.js";

/** A bad `qb k8s` option, or a flow `qb k8s` cannot lay out as a pod. */
export class K8sOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "K8sOptionError";
  }
}

/** Where the land of the quarterback's pod lives: an emptyDir in memory (tmpfs) of at most `sizeLimit`, or on the node's disk. */
export type LandPlacement = { medium: "memory"; sizeLimit: string } | { medium: "disk" };

/** The memory land's size when none is given. */
export const DEFAULT_LAND_SIZE = "1Gi";
/** `--land auto` (the default) keeps a land of at most this size in memory, and puts a larger one on disk. */
export const MEMORY_LAND_MAX = "4Gi";

/**
 * `--land auto|memory|disk` and `--land-size`: the documented rule (docs/kubernetes.md, "The
 * land"). auto: in memory when its size (default 1Gi) is at most 4Gi, on disk beyond; a
 * memory land counts against the memory of the containers that write to it.
 */
export function landPlacement(medium: string, size: string | undefined): LandPlacement {
  if (medium !== "auto" && medium !== "memory" && medium !== "disk") throw new K8sOptionError(`--land ${medium}: expected auto, memory or disk`);
  if (size !== undefined && parseMemoryQuantity(size) === undefined)
    throw new K8sOptionError(`--land-size ${size}: expected a memory quantity, e.g. 512Mi or 2Gi`);
  if (medium === "disk") {
    if (size !== undefined) throw new K8sOptionError(`--land-size is the size of a land in memory; with --land disk the land takes what the node's disk has`);
    return { medium: "disk" };
  }
  const sizeLimit = size ?? DEFAULT_LAND_SIZE;
  if (medium === "auto" && parseMemoryQuantity(sizeLimit)! > parseMemoryQuantity(MEMORY_LAND_MAX)!) return { medium: "disk" };
  return { medium: "memory", sizeLimit };
}

/** Where a lake sync reads: a path (in the image, or under the lake volume), or a URL kept in a Secret. */
export type LakeSource = { kind: "path"; path: string } | { kind: "secret"; secret: string; key: string };

/** One `qb pond sync` run by an init container before the flow. */
export interface LakeSync {
  table: string;
  from: LakeSource;
  key?: string[];
  incrementalBy?: string;
  schema?: string;
  sourceTable?: string;
}

export interface MysqlPond {
  /** The image of the pond container (MariaDB, SingleStore...). */
  image: string;
  /** The Secret with QB_POND (the pond's URL) and the image's own variables. */
  secret: string;
  /** Where the image keeps its data (an emptyDir): /var/lib/mysql for MariaDB. */
  dataPath: string;
}

export interface K8sOptions {
  /** The flow file's name (e.g. `pi.flow`): the ConfigMap's key, and how messages name it. */
  flowFile: string;
  /** The flow's text, stored in the ConfigMap. */
  source: string;
  /** The params as given (`--param k=v`): the quarterback compiles the flow with them again. */
  params: Record<string, string>;
  /** The image of the quarterback, and of every worker without an `image` of its own. */
  image: string;
  namespace?: string;
  /** A MySQL-wire pond container in the pod; without it, the embedded pond on the pod's volume. */
  pond?: MysqlPond;
  lakeSyncs: LakeSync[];
  /** A PersistentVolumeClaim mounted read-only at /lake in the sync containers. */
  lakeClaim?: string;
  /** The Secret with ca.crt, tls.crt and tls.key for workers deployed as a service (default `<flow>-tls`). */
  tlsSecret?: string;
  /** Where the land lives (default: in memory, 1Gi: `landPlacement("auto", undefined)`). */
  land?: LandPlacement;
}

const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `TABLE=SOURCE [key COL,...] [incremental-by COL] [schema COL:TYPE,...] [source-table NAME]`,
 * the words of `qb pond sync`'s options. SOURCE is a path (a file or a quoted glob; relative
 * paths are under the lake volume when there is one) or `secret:NAME/KEY`, a Secret holding
 * a URL with credentials (mysql://...).
 */
export function parseLakeSync(spec: string): LakeSync {
  const fail = (why: string): never => {
    throw new K8sOptionError(`--lake-sync ${JSON.stringify(spec)}: ${why}`);
  };
  const words = spec.trim().split(/\s+/);
  const first = words.shift() ?? "";
  const eq = first.indexOf("=");
  if (eq <= 0 || eq === first.length - 1) fail('expected TABLE=SOURCE [key COLS] ..., e.g. "sales=/lake/sales.csv key id"');
  const table = first.slice(0, eq);
  const source = first.slice(eq + 1);
  if (!TABLE.test(table)) fail(`${JSON.stringify(table)} is not a table name (letters, digits and _)`);
  let from: LakeSource;
  if (source.startsWith("secret:")) {
    const m = /^secret:([^/]+)\/(.+)$/.exec(source);
    if (!m || !SECRET_NAME.test(m[1]!) || !SECRET_KEY.test(m[2]!)) fail(`${source}: expected secret:NAME/KEY, a Secret and the key that holds the lake's URL`);
    from = { kind: "secret", secret: m![1]!, key: m![2]! };
  } else {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source))
      fail(`${source}: a URL may hold credentials; put it in a Secret and write secret:NAME/KEY (docs/kubernetes.md, "The pond")`);
    from = { kind: "path", path: source };
  }
  const sync: LakeSync = { table, from: from! };
  const seen = new Set<string>();
  while (words.length) {
    const word = words.shift()!;
    const value = words.shift();
    if (seen.has(word)) fail(`\`${word}\` given twice`);
    seen.add(word);
    if (value === undefined) fail(`\`${word}\` needs a value`);
    switch (word) {
      case "key": {
        const cols = value!.split(",").filter((c) => c !== "");
        if (cols.length === 0 || !cols.every((c) => COLUMN.test(c))) fail(`key ${value}: expected column names separated by commas`);
        sync.key = cols;
        break;
      }
      case "incremental-by":
        if (!COLUMN.test(value!)) fail(`incremental-by ${value}: expected a column name`);
        sync.incrementalBy = value!;
        break;
      case "schema":
        if (!/^[A-Za-z0-9_:,]+$/.test(value!)) fail(`schema ${value}: expected COL:TYPE,... (e.g. id:int,amount:float)`);
        sync.schema = value!;
        break;
      case "source-table":
        if (!TABLE.test(value!)) fail(`source-table ${value}: expected a table name`);
        sync.sourceTable = value!;
        break;
      default:
        fail(`unknown word \`${word}\`: after TABLE=SOURCE come key, incremental-by, schema or source-table, each with its value`);
    }
  }
  return sync;
}
