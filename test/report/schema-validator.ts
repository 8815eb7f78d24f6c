/**
 * A small JSON Schema validator for the subset docs/report-schema.json uses: type (incl.
 * integer), const, enum, properties, required, additionalProperties (boolean or schema), items,
 * and local `$ref`s into `$defs`. Enough to check real output against the published schema
 * without a dependency.
 */

type Schema = { [key: string]: unknown };

/** validate returns one message per violation ("" path is the root), empty when valid. */
export function validate(value: unknown, root: Schema): string[] {
  const errors: string[] = [];
  const defs = (root.$defs ?? {}) as Record<string, Schema>;

  const typeOf = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

  const check = (v: unknown, s: Schema, path: string): void => {
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace(/^#\/\$defs\//, "");
      const target = defs[name];
      if (!target) errors.push(`${path}: unknown $ref ${s.$ref}`);
      else check(v, target, path);
      return;
    }
    if ("const" in s && v !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}, got ${JSON.stringify(v)}`);
    if (Array.isArray(s.enum) && !s.enum.includes(v)) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if (typeof s.type === "string") {
      const t = typeOf(v);
      const ok = s.type === "integer" ? typeof v === "number" && Number.isInteger(v) : s.type === t;
      if (!ok) {
        errors.push(`${path}: expected ${s.type}, got ${t}`);
        return;
      }
    }
    if (typeof s.minimum === "number" && typeof v === "number" && v < s.minimum) errors.push(`${path}: ${v} < minimum ${s.minimum}`);
    if (typeOf(v) === "array" && s.items) (v as unknown[]).forEach((x, i) => check(x, s.items as Schema, `${path}[${i}]`));
    if (typeOf(v) === "object") {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (!(key in obj)) errors.push(`${path}: missing required ${key}`);
      for (const [key, x] of Object.entries(obj)) {
        if (key in props) check(x, props[key], `${path}.${key}`);
        else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`);
        else if (s.additionalProperties && typeof s.additionalProperties === "object") check(x, s.additionalProperties as Schema, `${path}.${key}`);
      }
    }
  };

  check(value, root, "");
  return errors;
}
