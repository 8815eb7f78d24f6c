/**
 * `--format json`: the report model as stable JSON. Keys follow the order of the schema
 * description (`schema.ts`), keys of free-form count objects are sorted, indentation is two spaces
 * and the text ends with a newline — so the same report always gives the same bytes, whatever
 * order the analysis happened to build its objects in, and diffs of two runs show only real
 * changes.
 */
import type { Report } from "./model.js";
import { REPORT_TYPES, type FieldMap, type FieldType } from "./schema.js";

/** byKey compares strings by UTF-16 code units: locale-independent, so output never varies by machine. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortedDeep orders every object key alphabetically; used for values the schema does not describe. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byKey)) out[key] = sortedDeep((value as Record<string, unknown>)[key]);
  return out;
}

/** orderObject rebuilds an object with the described fields first, in order, then any others sorted. */
function orderObject(value: Record<string, unknown>, map: FieldMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(map)) {
    if (value[key] !== undefined) out[key] = ordered(value[key], field.type);
  }
  // Fields the description does not know (a model newer than the schema) still print, stably.
  for (const key of Object.keys(value).sort(byKey)) {
    if (!(key in map) && value[key] !== undefined) out[key] = sortedDeep(value[key]);
  }
  return out;
}

/** ordered returns a copy of `value` whose keys are in the order `type` prescribes. */
function ordered(value: unknown, type: FieldType): unknown {
  if (value === null || typeof value !== "object") return value;
  switch (type.kind) {
    case "array":
      return Array.isArray(value) ? value.map((v) => ordered(v, type.items)) : sortedDeep(value);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort(byKey)) out[key] = ordered((value as Record<string, unknown>)[key], type.values);
      return out;
    }
    case "object":
      return Array.isArray(value) ? sortedDeep(value) : orderObject(value as Record<string, unknown>, type.fields);
    case "ref":
      return Array.isArray(value) ? sortedDeep(value) : orderObject(value as Record<string, unknown>, REPORT_TYPES[type.name]);
    default:
      return sortedDeep(value);
  }
}

/** renderJson prints the report as stable JSON: fixed key order, 2-space indent, trailing newline. */
export function renderJson(report: Report): string {
  return [...renderJsonChunks(report)].join("");
}

/**
 * nested is JSON.stringify(value, null, 2) as it reads one level (object member) or two levels
 * (array element of a member) deep: stringified inside a wrapper of that depth and cut out, which
 * indents every line exactly as the whole document would, without re-indenting a copy.
 */
function nested(value: unknown, inArray: boolean): string {
  const w = JSON.stringify(inArray ? { a: [value] } : { a: value }, null, 2);
  // '{\n  "a": [\n    ' … '\n  ]\n}'  or  '{\n  "a": ' … '\n}'
  return inArray ? w.slice(15, w.length - 6) : w.slice(9, w.length - 2);
}

/**
 * renderJsonChunks yields renderJson's text in pieces — one per element of the report's top-level
 * arrays — with exactly the bytes JSON.stringify(…, null, 2) gives for the whole: a report of
 * thousands of registrations is then never copied whole into key order, nor held as one string
 * when the pieces are written out as they come.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  const map = REPORT_TYPES.Report;
  const value = report as unknown as Record<string, unknown>;
  const fields: [string, unknown, FieldType | undefined][] = [];
  for (const [key, field] of Object.entries(map)) if (value[key] !== undefined) fields.push([key, value[key], field.type]);
  for (const key of Object.keys(value).sort(byKey)) if (!(key in map) && value[key] !== undefined) fields.push([key, value[key], undefined]);
  if (fields.length === 0) {
    yield "{}\n";
    return;
  }
  yield "{\n";
  for (let i = 0; i < fields.length; i++) {
    const [key, v, type] = fields[i];
    const end = i < fields.length - 1 ? ",\n" : "\n";
    const head = `  ${JSON.stringify(key)}: `;
    if (type?.kind === "array" && Array.isArray(v) && v.length > 0) {
      yield `${head}[\n`;
      for (let j = 0; j < v.length; j++) yield `    ${nested(ordered(v[j], type.items), true)}${j < v.length - 1 ? ",\n" : "\n"}`;
      yield `  ]${end}`;
    } else {
      yield `${head}${nested(type ? ordered(v, type) : sortedDeep(v), false)}${end}`;
    }
  }
  yield "}\n";
}
