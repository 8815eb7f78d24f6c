/**
 * `--format json`: the report model as stable JSON. Keys follow the order of the schema
 * description (`schema.ts`), keys of free-form count objects are sorted, indentation is two spaces
 * and the text ends with a newline — so the same report always gives the same bytes, whatever
 * order the analysis happened to build its objects in, and diffs of two runs show only real
 * changes.
 *
 * The text is written directly while walking the report with its description, rather than by
 * copying every object into key order and stringifying the copy: the copies were most of the
 * renderer's time and garbage. The bytes are those `JSON.stringify(copy, null, 2)` printed for
 * that copy, including its corners, which test/report/json-speed.test.ts pins against the copying
 * implementation: members that are undefined, functions or symbols are left out (null in arrays),
 * non-finite numbers print as null, a bigint throws, keys that are array indices print first in
 * numeric order (an object's integer keys always enumerate first), a `__proto__` key is dropped
 * (assigning it to the copy set the copy's prototype), and so are unknown fields of a described
 * object named like what every object inherits (`constructor`, `toString`: the copy tested
 * `key in map`).
 */
import type { Report } from "./model.js";
import { REPORT_TYPES, type FieldMap, type FieldType } from "./schema.js";

/** Shape is a described object prepared for writing: its fields in order and their value nodes. */
interface Shape {
  map: FieldMap;
  keys: string[];
  nodes: Node[];
  /** Per depth, the heads of the members: see headsAt. */
  heads: Heads[];
}

/**
 * Node is what the writer needs of a FieldType: scalar kinds all print a value as it is (an object
 * found where a scalar was described prints like an undescribed value, keys sorted), so they
 * collapse into one generic node.
 */
type Node = { kind: "any" } | { kind: "array"; items: Node } | { kind: "map"; values: Node } | { kind: "object"; shape: Shape };

const ANY: Node = { kind: "any" };
const nodes = new Map<FieldType, Node>();
const shapes = new Map<FieldMap, Shape>();

/** nodeOf prepares a field type once; the description is small and never changes. */
function nodeOf(type: FieldType): Node {
  let node = nodes.get(type);
  if (node) return node;
  switch (type.kind) {
    case "array":
      node = { kind: "array", items: nodeOf(type.items) };
      break;
    case "map":
      node = { kind: "map", values: nodeOf(type.values) };
      break;
    case "object":
      node = { kind: "object", shape: shapeOf(type.fields) };
      break;
    case "ref":
      node = { kind: "object", shape: shapeOf(REPORT_TYPES[type.name]) };
      break;
    default:
      node = ANY;
  }
  nodes.set(type, node);
  return node;
}

/** shapeOf prepares a described object once. */
function shapeOf(map: FieldMap): Shape {
  let shape = shapes.get(map);
  if (!shape) {
    const keys = Object.keys(map);
    shape = { map, keys, nodes: keys.map((k) => nodeOf(map[k].type)), heads: [] };
    shapes.set(map, shape);
  }
  return shape;
}

/**
 * Heads are each field's `,\n<indent>"key": ` at one depth (`first`: starting with `{` instead of
 * `,`), and the same followed by a string's opening quote (`firstQ`, `nextQ`).
 */
interface Heads {
  first: string[];
  next: string[];
  firstQ: string[];
  nextQ: string[];
}

/** headsAt returns (building once) a shape's member heads at one depth. */
function headsAt(shape: Shape, depth: number): Heads {
  let heads = shape.heads[depth];
  if (!heads) {
    const { openObject, next } = level(depth);
    const first = shape.keys.map((k) => `${openObject}${JSON.stringify(k)}: `);
    const between = shape.keys.map((k) => `${next}${JSON.stringify(k)}: `);
    heads = { first, next: between, firstQ: first.map((h) => `${h}"`), nextQ: between.map((h) => `${h}"`) };
    shape.heads[depth] = heads;
  }
  return heads;
}

/** Level holds the punctuation that starts lines at one depth, so no line start builds a string. */
interface Level {
  /** A container's opening and its first member's line start, when its members are at this depth. */
  openArray: string;
  openObject: string;
  /** Between two members at this depth. */
  next: string;
  /** The end of a container whose members are one level deeper. */
  closeArray: string;
  closeObject: string;
}

const levels: Level[] = [];
function level(depth: number): Level {
  while (levels.length <= depth) {
    const line = `\n${"  ".repeat(levels.length)}`;
    levels.push({ openArray: `[${line}`, openObject: `{${line}`, next: `,${line}`, closeArray: `${line}]`, closeObject: `${line}}` });
  }
  return levels[depth];
}

/**
 * The text being written. A module variable rather than a parameter threaded through every call:
 * each chunk is written synchronously from start to end, so two renders in progress (two
 * generators) never interleave inside one.
 */
let out = "";

/** Strings JSON.stringify would change beyond adding quotes: quote, backslash, controls, surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** omitted tells the members JSON.stringify leaves out of objects (and prints as null in arrays). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/** isIndex tells an array-index key ("0" … "4294967294"), which objects enumerate first, by number. */
function isIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = Number(key);
  return n < 4294967295 && String(n >>> 0) === key;
}

/** write prints one value (not an omitted one) whose first line is already indented to `depth`. */
function write(v: unknown, node: Node, depth: number): void {
  switch (typeof v) {
    case "string":
      out += NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
      return;
    case "number":
      // String(-0) is "0", as JSON.stringify prints it.
      out += Number.isFinite(v) ? String(v) : "null";
      return;
    case "boolean":
      out += v ? "true" : "false";
      return;
    case "object":
      break;
    default:
      // A bigint: JSON.stringify throws on it, as it always did.
      out += JSON.stringify(v);
      return;
  }
  if (v === null) {
    out += "null";
  } else if (Array.isArray(v)) {
    if (node.kind === "map") writeMap(v, node.values, depth);
    else writeArray(v, node.kind === "array" ? node.items : ANY, depth);
  } else if (node.kind === "object") {
    writeShape(v as Record<string, unknown>, node.shape, depth);
  } else {
    writeMap(v as Record<string, unknown>, node.kind === "map" ? node.values : ANY, depth);
  }
}

/** writeArray prints an array, each element as `items` describes it. */
function writeArray(v: readonly unknown[], items: Node, depth: number): void {
  if (v.length === 0) {
    out += "[]";
    return;
  }
  const inner = level(depth + 1);
  for (let i = 0; i < v.length; i++) {
    out += i === 0 ? inner.openArray : inner.next;
    const x = v[i];
    if (omitted(x)) out += "null";
    else write(x, items, depth + 1);
  }
  out += level(depth).closeArray;
}

/** writeMap prints an object with free keys: sorted by UTF-16 code units, after any index keys. */
function writeMap(v: Record<string, unknown> | readonly unknown[], values: Node, depth: number): void {
  let keys = Object.keys(v);
  let indexKeys = 0;
  while (indexKeys < keys.length && isIndex(keys[indexKeys])) indexKeys++;
  // The default sort compares strings by UTF-16 code units: locale-independent, the same everywhere.
  if (indexKeys === 0) keys.sort();
  else if (indexKeys < keys.length) keys = keys.slice(0, indexKeys).concat(keys.slice(indexKeys).sort());
  let any = false;
  // Assigning "__proto__" to the copy set its prototype rather than adding a member.
  for (const key of keys) if (key !== "__proto__") any = writeMember(v as Record<string, unknown>, key, values, any, depth);
  out += any ? level(depth).closeObject : "{}";
}

/** writeKey prints a member's key and the colon after it. */
function writeKey(key: string): void {
  out += NEEDS_ESCAPE.test(key) ? `${JSON.stringify(key)}: ` : `"${key}": `;
}

/**
 * writeShape prints a described object: its fields in order, then fields the description does not
 * know (a model newer than the schema), sorted. `key in map` also drops names every object
 * inherits (`constructor`, `__proto__`), as copying did.
 */
function writeShape(v: Record<string, unknown>, shape: Shape, depth: number): void {
  const { keys, nodes } = shape;
  let extras: string[] | undefined;
  // for…in rather than Object.keys: no array per object. Objects mostly list their fields in the
  // description's order, so each key is looked for among the fields from where the previous one
  // was found, round the end: a few comparisons, where a lookup by name per key was slow. Keys not
  // found are unknown fields; of those, inherited ones are weeded out by hasOwn (described fields
  // are read below whether own or inherited, as the copy read them).
  let at = 0;
  for (const key in v) {
    let n = 0;
    while (n < keys.length && keys[at] !== key) {
      n++;
      at = at + 1 === keys.length ? 0 : at + 1;
    }
    if (n === keys.length && !(key in shape.map) && Object.hasOwn(v, key)) (extras ??= []).push(key);
  }
  let any = false;
  let rest = 0;
  if (extras) {
    // Index keys come first (in numeric order, as enumerated); the others after the fields.
    while (rest < extras.length && isIndex(extras[rest])) rest++;
    for (let i = 0; i < rest; i++) any = writeMember(v, extras[i], ANY, any, depth);
  }
  const heads = headsAt(shape, depth + 1);
  for (let i = 0; i < keys.length; i++) {
    const x = v[keys[i]];
    if (omitted(x)) continue;
    if (typeof x === "string" && !NEEDS_ESCAPE.test(x)) {
      // The head carries the opening quote: one piece fewer for the commonest member.
      out += any ? heads.nextQ[i] : heads.firstQ[i];
      out += x;
      out += '"';
    } else {
      out += any ? heads.next[i] : heads.first[i];
      write(x, nodes[i], depth + 1);
    }
    any = true;
  }
  if (extras && rest < extras.length) for (const key of extras.slice(rest).sort()) any = writeMember(v, key, ANY, any, depth);
  out += any ? level(depth).closeObject : "{}";
}

/**
 * writeMember prints one member by name (a free key, or one the description does not know), as
 * `node` describes its value, unless it is omitted; returns whether the object has members yet.
 */
function writeMember(v: Record<string, unknown>, key: string, node: Node, any: boolean, depth: number): boolean {
  const x = v[key];
  if (omitted(x)) return any;
  const inner = level(depth + 1);
  out += any ? inner.next : inner.openObject;
  writeKey(key);
  write(x, node, depth + 1);
  return true;
}

/** text writes one value at `depth` and returns its text. */
function text(v: unknown, node: Node, depth: number): string {
  out = ""; // a render that threw (on a bigint) may have left its beginning
  write(v, node, depth);
  const s = out;
  out = ""; // not to keep the last chunk alive after the render
  return s;
}

/** renderJson prints the report as stable JSON: fixed key order, 2-space indent, trailing newline. */
export function renderJson(report: Report): string {
  return [...renderJsonChunks(report)].join("");
}

/**
 * renderJsonChunks yields renderJson's text in pieces — one per element of the report's top-level
 * arrays — with exactly the bytes JSON.stringify(…, null, 2) gives for the whole: a report of
 * thousands of registrations is then never held as one string when the pieces are written out as
 * they come.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  const map = REPORT_TYPES.Report;
  const value = report as unknown as Record<string, unknown>;
  const fields: [string, unknown, FieldType | undefined][] = [];
  for (const [key, field] of Object.entries(map)) if (!omitted(value[key])) fields.push([key, value[key], field.type]);
  // Unknown top-level fields follow the described ones, all sorted (index keys included).
  for (const key of Object.keys(value).sort()) if (!(key in map) && !omitted(value[key])) fields.push([key, value[key], undefined]);
  if (fields.length === 0) {
    yield "{}\n";
    return;
  }
  yield "{\n";
  for (let i = 0; i < fields.length; i++) {
    const [key, v, type] = fields[i];
    const end = i < fields.length - 1 ? ",\n" : "\n";
    const head = `  ${JSON.stringify(key)}: `;
    const node = type ? nodeOf(type) : ANY;
    if (node.kind === "array" && Array.isArray(v) && v.length > 0) {
      yield `${head}[\n`;
      for (let j = 0; j < v.length; j++) {
        const x = v[j];
        yield `    ${omitted(x) ? "null" : text(x, node.items, 2)}${j < v.length - 1 ? ",\n" : "\n"}`;
      }
      yield `  ]${end}`;
    } else {
      yield `${head}${text(v, node, 1)}${end}`;
    }
  }
  yield "}\n";
}
