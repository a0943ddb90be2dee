// Shared pieces of the Emissary -> Attaché conversion: a field walker that records which
// Emissary fields were used, so every field left over gets a warning naming it, and the
// small value conversions (`*_ms` integers to duration strings, maps to lists).
type Json = unknown;
export type Obj = Record<string, Json>;

export const isObj = (v: Json): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A field set to its "off" value (false, empty string, list or map) asks for nothing, so
 *  dropping it loses nothing and deserves no warning. */
export const isOff = (v: Json): boolean =>
  v === undefined || v === null || v === false || v === "" || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

/** Reads an Emissary spec field by field; `warnRest()` warns about the fields nobody read. */
export class FieldReader {
  private readonly used = new Set<string>();
  constructor(
    readonly spec: Obj,
    readonly path: string,
    readonly warnings: string[],
  ) {}

  take(field: string): Json {
    this.used.add(field);
    return this.spec[field];
  }

  /** Marks a field as known but not carried over, with the reason. */
  drop(field: string, why: string): void {
    this.used.add(field);
    if (!isOff(this.spec[field])) this.warnings.push(`${this.path}.${field}: ${why}; ignored`);
  }

  warnRest(): void {
    for (const field of Object.keys(this.spec))
      if (!this.used.has(field) && !isOff(this.spec[field])) this.warnings.push(`${this.path}.${field}: not supported by Attaché; ignored`);
  }
}

/** Emissary's integer milliseconds as a Kubernetes duration string. */
export function msToDuration(value: Json, path: string, errors: string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    errors.push(`${path}: must be a non-negative integer number of milliseconds, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return `${value}ms`;
}

/** Emissary `headers: {name: value}` (value `true` = present) to our list form. */
export function matchList(value: Json, kind: "value" | "regex", path: string, errors: string[]): Obj[] | undefined {
  if (value === undefined) return undefined;
  if (!isObj(value)) {
    errors.push(`${path}: must be a map of name to ${kind}`);
    return undefined;
  }
  return Object.entries(value).map(([name, v]) => {
    if (kind === "value" && v === true) return { name, present: true };
    return { name, [kind]: String(v) };
  });
}

/** Emissary `add_*_headers: {name: value | {value, append}}` to our list form. */
export function headerValues(value: Json, path: string, errors: string[]): Obj[] | undefined {
  if (value === undefined) return undefined;
  if (!isObj(value)) {
    errors.push(`${path}: must be a map of header name to value`);
    return undefined;
  }
  return Object.entries(value).map(([name, v]) => {
    // Emissary appends unless told otherwise (v3route.py generate_headers_to_add).
    if (isObj(v)) return { name, value: String(v.value ?? ""), append: v.append === undefined ? true : Boolean(v.append) };
    return { name, value: String(v), append: true };
  });
}

/** A string or list of strings (Emissary accepts both in several places). */
export function stringList(value: Json): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return String(value)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Copies defined values only, so the output has no `undefined` holes. */
export function defined(fields: Obj): Obj {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
