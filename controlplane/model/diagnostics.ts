// Per-resource problems collected during one model run, turned into metav1.Conditions:
// `Accepted` for every resource, `ResolvedRefs` for resources that reference others. Messages
// are path-prefixed (`Mapping default/api: spec.timeout: invalid duration "3 seconds"`), the
// shape Envoy Gateway writes into status and grpc-js-xds uses for validation errors.
import type { ResourceRef } from "../ir/types.ts";
import type { SourceLocation } from "../sources/bundle.ts";
import type { FieldError } from "../api/validator.ts";
import type { Condition, ResourceStatus } from "./types.ts";

/** Last status per resource (by its stable ResourceRef object), reused while nothing changed. */
export type StatusCache = WeakMap<ResourceRef, { file?: string; line?: number; generation?: number; hasRefs: boolean; signature: string; status: ResourceStatus }>;

export interface StatusEntry {
  ref: ResourceRef;
  location?: SourceLocation;
  generation?: number;
  invalid: FieldError[];
  invalidReason?: string;
  unresolved: FieldError[];
  unresolvedReason?: string;
  /** Whether this kind has references, hence a ResolvedRefs condition. */
  hasRefs: boolean;
  notes: string[];
}

/** Shared by entries with nothing to say (most of them), replaced on the first write. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

export function refText(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export function fieldText(error: FieldError): string {
  return error.path ? `${error.path}: ${error.message}` : error.message;
}

/** What a computation added to an entry, so a cached computation can add it again. */
export interface EntryDelta {
  invalid: FieldError[];
  invalidReason?: string;
  unresolved: FieldError[];
  unresolvedReason?: string;
  notes: string[];
}

export type EntryMark = [number, number, number, string | undefined, string | undefined];

export function markEntry(entry: StatusEntry): EntryMark {
  return [entry.invalid.length, entry.unresolved.length, entry.notes.length, entry.invalidReason, entry.unresolvedReason];
}

export function deltaSince(entry: StatusEntry, mark: EntryMark): EntryDelta | undefined {
  const [i, u, n, ir, ur] = mark;
  if (entry.invalid.length === i && entry.unresolved.length === u && entry.notes.length === n && entry.invalidReason === ir && entry.unresolvedReason === ur) return undefined;
  return {
    invalid: entry.invalid.slice(i),
    invalidReason: entry.invalidReason !== ir ? entry.invalidReason : undefined,
    unresolved: entry.unresolved.slice(u),
    unresolvedReason: entry.unresolvedReason !== ur ? entry.unresolvedReason : undefined,
    notes: entry.notes.slice(n),
  };
}

export function applyDelta(entry: StatusEntry, delta: EntryDelta): void {
  Diagnostics.invalid(entry, delta.invalid, delta.invalidReason);
  for (const error of delta.unresolved) {
    if (entry.unresolved.some((e) => e.path === error.path && e.message === error.message)) continue;
    if (entry.unresolved === NONE) entry.unresolved = [];
    entry.unresolved.push(error);
  }
  if (delta.unresolved.length) entry.unresolvedReason ??= delta.unresolvedReason;
  for (const note of delta.notes) Diagnostics.note(entry, note);
}

export class Diagnostics {
  private entries: StatusEntry[] = [];

  add(ref: ResourceRef, location: SourceLocation | undefined, generation: number | undefined, hasRefs: boolean): StatusEntry {
    const entry: StatusEntry = { ref, location, generation, invalid: NONE, unresolved: NONE, hasRefs, notes: NONE };
    this.entries.push(entry);
    return entry;
  }

  static invalid(entry: StatusEntry, errors: readonly FieldError[], reason: string | undefined = "Invalid"): void {
    if (errors.length === 0) return;
    if (entry.invalid === NONE) entry.invalid = [];
    for (const error of errors) {
      if (!entry.invalid.some((e) => e.path === error.path && e.message === error.message)) entry.invalid.push(error);
    }
    entry.invalidReason ??= reason ?? "Invalid";
  }

  static note(entry: StatusEntry, text: string): void {
    if (entry.notes === NONE) entry.notes = [];
    entry.notes.push(text);
  }

  static unresolved(entry: StatusEntry, error: FieldError, reason: string, alsoInvalid: boolean): void {
    if (entry.unresolved.some((e) => e.path === error.path && e.message === error.message)) return;
    if (entry.unresolved === NONE) entry.unresolved = [];
    entry.unresolved.push(error);
    entry.unresolvedReason ??= reason;
    if (alsoInvalid) Diagnostics.invalid(entry, [error], "InvalidReference");
  }

  /** With a memo, an unchanged status is the same object as last time, and so keeps its
   *  lastTransitionTime (metav1.Condition: it changes only when the status does). */
  statuses(now: string, statusCache?: StatusCache): ResourceStatus[] {
    if (!statusCache) return this.entries.map((entry) => toStatus(entry, now));
    return this.entries.map((entry) => {
      const { ref } = entry;
      const signature = entry.invalid.length || entry.unresolved.length || entry.notes.length
        ? JSON.stringify([entry.invalid, entry.invalidReason, entry.unresolved, entry.unresolvedReason, entry.notes])
        : "";
      const cached = statusCache.get(ref);
      if (cached && cached.file === entry.location?.file && cached.line === entry.location?.line && cached.generation === entry.generation && cached.hasRefs === entry.hasRefs && cached.signature === signature) {
        return cached.status;
      }
      const status = toStatus(entry, now);
      statusCache.set(ref, { file: entry.location?.file, line: entry.location?.line, generation: entry.generation, hasRefs: entry.hasRefs, signature, status });
      return status;
    });
  }
}

function toStatus(entry: StatusEntry, now: string): ResourceStatus {
  const prefix = refText(entry.ref);
  const base = { observedGeneration: entry.generation, lastTransitionTime: now };
  const accepted: Condition = entry.invalid.length
    ? { type: "Accepted", status: "False", reason: entry.invalidReason ?? "Invalid", message: entry.invalid.map(fieldText).join("; "), ...base }
    : { type: "Accepted", status: "True", reason: "Accepted", message: ["Accepted", ...entry.notes].join("; "), ...base };
  if (base.observedGeneration === undefined) delete accepted.observedGeneration;
  const conditions = [accepted];
  if (entry.hasRefs) {
    const resolved: Condition = entry.unresolved.length
      ? { type: "ResolvedRefs", status: "False", reason: entry.unresolvedReason ?? "RefNotFound", message: entry.unresolved.map(fieldText).join("; "), ...base }
      : entry.invalid.length
        ? { type: "ResolvedRefs", status: "Unknown", reason: "Invalid", message: "References were not checked: the resource is invalid", ...base }
        : { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs", message: "All references resolved", ...base };
    if (base.observedGeneration === undefined) delete resolved.observedGeneration;
    conditions.push(resolved);
  }
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const error of [...entry.invalid, ...entry.unresolved]) {
    const text = `${prefix}: ${fieldText(error)}`;
    if (!seen.has(text)) {
      seen.add(text);
      errors.push(text);
    }
  }
  return { ref: entry.ref, location: entry.location, conditions, errors };
}
