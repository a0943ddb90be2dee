// Per-resource problems collected during one model run, turned into metav1.Conditions:
// `Accepted` for every resource, `ResolvedRefs` for resources that reference others. Messages
// are path-prefixed (`Mapping default/api: spec.timeout: invalid duration "3 seconds"`), the
// shape Envoy Gateway writes into status and grpc-js-xds uses for validation errors.
import type { ResourceRef } from "../../ir/types.ts";
import type { SourceLocation } from "../../sources/bundle.ts";
import type { FieldError } from "../../api/validator.ts";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  ref: ResourceRef;
  location?: SourceLocation;
  conditions: Condition[];
  /** Every problem, path-prefixed: `Mapping default/api: spec.timeout: invalid duration "3 seconds"`. */
  errors: string[];
}

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

/** One diagnostic operation, recorded so a cached computation (a Mapping's references, a
 *  virtual host's routes) can be replayed onto a freshly composed entry with exactly the
 *  effect it had the first time (the same dedup and first-reason-wins rules). */
export type EntryOp =
  | { op: "invalid"; errors: readonly FieldError[]; reason?: string }
  | { op: "unresolved"; error: FieldError; reason: string; alsoInvalid: boolean }
  | { op: "note"; text: string; unlessInvalid: boolean };

/** Where computations whose results are cached write their diagnostics: a log, not an entry. */
export class EntryLog {
  readonly ops: EntryOp[] = [];
}

export type DiagnosticTarget = StatusEntry | EntryLog;

export function replay(entry: StatusEntry, ops: readonly EntryOp[]): void {
  for (const op of ops) {
    if (op.op === "invalid") Diagnostics.invalid(entry, op.errors, op.reason);
    else if (op.op === "unresolved") Diagnostics.unresolved(entry, op.error, op.reason, op.alsoInvalid);
    else if (!op.unlessInvalid || !entry.invalid.length) Diagnostics.note(entry, op.text);
  }
}

function sameError(a: FieldError, b: FieldError): boolean {
  return a.path === b.path && a.message === b.message;
}

function sameOp(a: EntryOp, b: EntryOp): boolean {
  if (a.op === "invalid" && b.op === "invalid") return a.reason === b.reason && a.errors.length === b.errors.length && a.errors.every((e, i) => sameError(e, b.errors[i]));
  if (a.op === "unresolved" && b.op === "unresolved") return a.reason === b.reason && a.alsoInvalid === b.alsoInvalid && sameError(a.error, b.error);
  if (a.op === "note" && b.op === "note") return a.text === b.text && a.unlessInvalid === b.unlessInvalid;
  return false;
}

/** Whether two logs would have the same effect (same operations, same order). */
export function sameOps(a: readonly EntryOp[] | undefined, b: readonly EntryOp[] | undefined): boolean {
  const x = a ?? NONE;
  const y = b ?? NONE;
  return x.length === y.length && x.every((op, i) => sameOp(op, y[i]));
}

/** A status entry outside any Diagnostics list (the incremental path adds statuses itself). */
export function newEntry(ref: ResourceRef, location: SourceLocation | undefined, generation: number | undefined, hasRefs: boolean): StatusEntry {
  return { ref, location, generation, invalid: NONE, unresolved: NONE, hasRefs, notes: NONE };
}

/** Forget everything said about an entry, so it can be composed again from logs. */
export function resetEntry(entry: StatusEntry): void {
  entry.invalid = NONE;
  entry.unresolved = NONE;
  entry.notes = NONE;
  entry.invalidReason = undefined;
  entry.unresolvedReason = undefined;
}

export class Diagnostics {
  private entries: StatusEntry[] = [];

  add(ref: ResourceRef, location: SourceLocation | undefined, generation: number | undefined, hasRefs: boolean): StatusEntry {
    const entry = newEntry(ref, location, generation, hasRefs);
    this.entries.push(entry);
    return entry;
  }

  get count(): number {
    return this.entries.length;
  }

  static invalid(entry: DiagnosticTarget, errors: readonly FieldError[], reason: string | undefined = "Invalid"): void {
    if (errors.length === 0) return;
    if (entry instanceof EntryLog) return void entry.ops.push({ op: "invalid", errors, reason });
    if (entry.invalid === NONE) entry.invalid = [];
    for (const error of errors) {
      if (!entry.invalid.some((e) => e.path === error.path && e.message === error.message)) entry.invalid.push(error);
    }
    entry.invalidReason ??= reason ?? "Invalid";
  }

  static note(entry: DiagnosticTarget, text: string): void {
    if (entry instanceof EntryLog) return void entry.ops.push({ op: "note", text, unlessInvalid: false });
    if (entry.notes === NONE) entry.notes = [];
    // The same note from each virtual host a Mapping lands on says one thing once.
    if (!entry.notes.includes(text)) entry.notes.push(text);
  }

  /** A note that only applies while the resource is still valid when it is written. */
  static noteIfValid(entry: DiagnosticTarget, text: string): void {
    if (entry instanceof EntryLog) return void entry.ops.push({ op: "note", text, unlessInvalid: true });
    if (!entry.invalid.length) Diagnostics.note(entry, text);
  }

  static unresolved(entry: DiagnosticTarget, error: FieldError, reason: string, alsoInvalid: boolean): void {
    if (entry instanceof EntryLog) return void entry.ops.push({ op: "unresolved", error, reason, alsoInvalid });
    if (entry.unresolved.some((e) => e.path === error.path && e.message === error.message)) return;
    if (entry.unresolved === NONE) entry.unresolved = [];
    entry.unresolved.push(error);
    entry.unresolvedReason ??= reason;
    if (alsoInvalid) Diagnostics.invalid(entry, [error], "InvalidReference");
  }

  /** With a cache, an unchanged status is the same object as last time, and so keeps its
   *  lastTransitionTime (metav1.Condition: it changes only when the status does). */
  statuses(now: string, statusCache?: StatusCache): ResourceStatus[] {
    return this.entries.map((entry) => statusOf(entry, now, statusCache));
  }
}

/** The status of one entry; the cached object when nothing about it changed. */
export function statusOf(entry: StatusEntry, now: string, statusCache?: StatusCache): ResourceStatus {
  if (!statusCache) return toStatus(entry, now);
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
