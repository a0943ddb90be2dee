// metav1.Condition bookkeeping (apimachinery pkg/api/meta/conditions.go SetStatusCondition):
// a condition keeps its lastTransitionTime while its status stays the same, even when its
// reason or message change; a write is needed only when something other than
// lastTransitionTime differs from what the object already carries.
import type { Condition } from "../model/index.ts";

/** Conditions to write: `desired` with lastTransitionTime carried over from `existing`
 *  where the status did not change. Conditions of other types the object has (written by
 *  someone else) are kept, after ours. */
export function mergeConditions(existing: readonly Condition[] | undefined, desired: readonly Condition[]): Condition[] {
  const byType = new Map((existing ?? []).map((c) => [c.type, c]));
  const ours = desired.map((c) => {
    const previous = byType.get(c.type);
    return previous && previous.status === c.status ? { ...c, lastTransitionTime: previous.lastTransitionTime } : { ...c };
  });
  const types = new Set(desired.map((c) => c.type));
  return [...ours, ...(existing ?? []).filter((c) => !types.has(c.type))];
}

const comparable = (c: Condition) => JSON.stringify([c.type, c.status, c.reason, c.message, c.observedGeneration ?? null]);

/** True when writing `next` would change nothing a reader cares about. */
export function sameConditions(current: readonly Condition[] | undefined, next: readonly Condition[]): boolean {
  if (!current || current.length !== next.length) return false;
  const a = current.map(comparable).sort();
  const b = next.map(comparable).sort();
  return a.every((v, i) => v === b[i]);
}

/** Reads `status.conditions` of an object as seen in the cluster (tolerating junk). */
export function conditionsOf(obj: unknown): Condition[] | undefined {
  const status = (obj as { status?: { conditions?: unknown } } | undefined)?.status;
  if (!Array.isArray(status?.conditions)) return undefined;
  return status.conditions
    .filter((c): c is Record<string, unknown> => !!c && typeof c === "object")
    .map((c) => ({
      type: String(c.type),
      status: c.status as Condition["status"],
      reason: String(c.reason ?? ""),
      message: String(c.message ?? ""),
      observedGeneration: typeof c.observedGeneration === "number" ? c.observedGeneration : undefined,
      lastTransitionTime: c.lastTransitionTime instanceof Date ? c.lastTransitionTime.toISOString().replace(/\.\d+Z$/, "Z") : String(c.lastTransitionTime ?? ""),
    }))
    .map((c) => (c.observedGeneration === undefined ? (({ observedGeneration: _o, ...rest }) => rest)(c) : c));
}
