/**
 * The JSON renderer writes its text directly (src/report/json.ts). It must print exactly what
 * JSON.stringify(…, null, 2) prints for a copy of the report in key order, the way the renderer
 * used to work — kept here as the reference — for any value, however far from the model: strings
 * with control characters and lone surrogates, -0, 1e21, NaN, absent and undefined members,
 * unknown fields, index-like and inherited key names, values of the wrong type.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { renderJson, renderJsonChunks } from "../../src/report/json.js";
import type { Report } from "../../src/report/model.js";
import { REPORT_TYPES, type FieldMap, type FieldType } from "../../src/report/schema.js";
import { sampleReport } from "./fixtures/sample-report.js";

// ---- Reference: copy into key order, then JSON.stringify the copy. ----

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byKey)) out[key] = sortedDeep((value as Record<string, unknown>)[key]);
  return out;
}

function orderObject(value: Record<string, unknown>, map: FieldMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(map)) if (value[key] !== undefined) out[key] = ordered(value[key], field.type);
  for (const key of Object.keys(value).sort(byKey)) if (!(key in map) && value[key] !== undefined) out[key] = sortedDeep(value[key]);
  return out;
}

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

function reference(report: unknown): string {
  return `${JSON.stringify(orderObject(report as Record<string, unknown>, REPORT_TYPES.Report), null, 2)}\n`;
}

// ---- Arbitraries ----

/** Any UTF-16 code unit: controls, quotes, backslashes, lone surrogates, the BMP. */
const anyString = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(..."\"\\\n\r\t\x00\x1f\x7f\u2028\ud800\udc00\ud83d\ude00aé中/ <>"), maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ maxLength: 40 }),
);

const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, 0.1, NaN, Infinity, -Infinity),
);

const SCHEMA_KEYS = [...new Set(Object.values(REPORT_TYPES).flatMap((m) => Object.keys(m)))];

/** Key names, with those whose place in JSON.stringify's output is special. */
const anyKey = fc.oneof(
  anyString,
  fc.constantFrom(...SCHEMA_KEYS),
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "0", "1", "9", "10", "01", "-1", "1.5", "4294967294", "4294967295", "", "A", "a", "é"),
);

/** assemble builds an object member by member, in the given order, as JSON.parse would (own "__proto__" included). */
function assemble(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const { anyValue } = fc.letrec<{ anyValue: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    anyString,
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(tie("anyValue"), fc.constant(undefined)), { maxLength: 4 }),
    fc.array(fc.tuple(anyKey, fc.oneof(tie("anyValue"), fc.constant(undefined))), { maxLength: 4 }).map(assemble),
  ),
}));

/** Arbitraries by field type, built once (the description is finite: no type contains itself). */
const byType = new Map<FieldType, fc.Arbitrary<unknown>>();

/** valueFor mostly follows the description, but sometimes puts anything where a field's value goes. */
function valueFor(type: FieldType): fc.Arbitrary<unknown> {
  let arb = byType.get(type);
  if (arb) return arb;
  let fitting: fc.Arbitrary<unknown>;
  switch (type.kind) {
    case "string":
      fitting = anyString;
      break;
    case "integer":
    case "number":
      fitting = anyNumber;
      break;
    case "boolean":
      fitting = fc.boolean();
      break;
    case "const":
      fitting = fc.constant(type.value);
      break;
    case "array":
      fitting = fc.array(valueFor(type.items), { maxLength: 3 });
      break;
    case "map":
      fitting = fc.array(fc.tuple(anyKey, fc.oneof(valueFor(type.values), fc.constant(undefined))), { maxLength: 4 }).map(assemble);
      break;
    case "object":
      fitting = objectFor(type.fields, anyKey);
      break;
    case "ref":
      fitting = objectFor(REPORT_TYPES[type.name], anyKey);
      break;
  }
  arb = fc.oneof({ arbitrary: fitting, weight: 6 }, { arbitrary: anyValue, weight: 1 });
  byType.set(type, arb);
  return arb;
}

/** objectFor builds a described object: any of its fields (maybe undefined), unknown ones too, in any order. */
function objectFor(map: FieldMap, extraKey: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(map);
  return fc
    .tuple(
      fc.subarray(keys),
      fc.array(fc.constant(undefined), { maxLength: 1 }),
      fc.array(fc.tuple(extraKey, anyValue), { maxLength: 2 }),
      fc.boolean(),
    )
    .chain(([present, undef, extras, reverse]) =>
      fc.tuple(...present.map((k) => (undef.length > 0 && k === present[0] ? fc.constant(undefined) : valueFor(map[k].type)))).map((values) => {
        const entries: [string, unknown][] = [...present.map((k, i): [string, unknown] => [k, values[i]]), ...extras];
        return assemble(reverse ? entries.reverse() : entries);
      }),
    );
}

/**
 * Whole reports. The top level takes no index-like unknown keys: there the renderer keeps its
 * historical order (all unknown keys sorted after the described ones), which a copy does not have.
 */
const anyReport = objectFor(
  REPORT_TYPES.Report,
  anyKey.filter((k) => !/^(0|[1-9]\d*)$/.test(k)),
);

// ---- Properties ----

describe("renderJson writes what JSON.stringify prints for the ordered copy", () => {
  test("arbitrary reports, close to the model or not", () => {
    fc.assert(
      fc.property(anyReport, (r) => {
        expect(renderJson(r as unknown as Report)).toBe(reference(r));
      }),
      { numRuns: 400 },
    );
  });

  test("arbitrary values in every described place of a realistic report", () => {
    const places = (r: Report): [Record<string, unknown>, string][] => [
      [r.captures[0] as unknown as Record<string, unknown>, "transports"],
      [r.registrations[0] as unknown as Record<string, unknown>, "userAgent"],
      [r.registrations[0].attemptDetails[0] as unknown as Record<string, unknown>, "credentials"],
      [r.findings[0].subject as unknown as Record<string, unknown>, "user"],
      [r.summary.transactions as unknown as Record<string, unknown>, "byMethod"],
      [r.ladders[0].steps[0] as unknown as Record<string, unknown>, "label"],
      [r.findings[0] as unknown as Record<string, unknown>, "someNewField"],
    ];
    fc.assert(
      fc.property(fc.nat(6), anyValue, (i, v) => {
        const r = sampleReport();
        const [obj, key] = places(r)[i];
        obj[key] = v;
        expect(renderJson(r)).toBe(reference(r));
      }),
      { numRuns: 300 },
    );
  });

  test("corner values, one by one", () => {
    const r = sampleReport() as Report & Record<string, unknown>;
    r.captures[0].durationS = -0;
    r.captures[0].bytes = 1e21;
    r.captures[0].frames = NaN;
    r.registrations[0].refreshIntervalS = Infinity;
    r.registrations[0].userAgent = "ctl\u0000\u001f \"q\" \\ \ud800 lone, \ud83d\ude00 pair, \u2028 é";
    r.registrations[0].username = undefined;
    r.registrations[0].callIds = [];
    r.captures[0].transports = { UDP: 1, "10": 2, "9": 3, "": 4, B: 5, a: 6 };
    r.summary.transactions.byMethod = {};
    r.extra = { z: [[], {}, [[]], [undefined, null]], a: undefined };
    expect(renderJson(r)).toBe(reference(r));
  });

  test("a bigint throws, as JSON.stringify does", () => {
    const r = sampleReport() as Report & Record<string, unknown>;
    (r.registrations[0] as unknown as Record<string, unknown>).expiresGranted = 10n;
    expect(() => reference(r)).toThrow(TypeError);
    expect(() => renderJson(r)).toThrow(TypeError);
  });
});

describe("renderJsonChunks", () => {
  test("one chunk per element of the top-level arrays, joined they are renderJson's text", () => {
    const r = sampleReport();
    const chunks = [...renderJsonChunks(r)];
    let expected = 2; // "{\n" and "}\n"
    for (const v of Object.values(r)) expected += Array.isArray(v) && v.length > 0 ? v.length + 2 : 1;
    expect(chunks.length).toBe(expected);
    expect(chunks.join("")).toBe(reference(r));
  });

  test("two generators in progress at once do not mix their text", () => {
    const a = sampleReport();
    const b = sampleReport();
    b.registrations[0].aor = "sip:other@example.test";
    const ga = renderJsonChunks(a);
    const gb = renderJsonChunks(b);
    const ta: string[] = [];
    const tb: string[] = [];
    for (;;) {
      const x = ga.next();
      const y = gb.next();
      if (!x.done) ta.push(x.value);
      if (!y.done) tb.push(y.value);
      if (x.done && y.done) break;
    }
    expect(ta.join("")).toBe(reference(a));
    expect(tb.join("")).toBe(reference(b));
  });
});
