// Several gateway instances can share a cluster; each picks its resources by an instance id,
// as Emissary's `ambassador_id` does (default "default"). Attaché resources name theirs in
// the `attache.dev/instance` label or annotation (a comma-separated list); Emissary
// resources keep using `spec.ambassador_id` (a string or a list).
export const INSTANCE_KEY = "attache.dev/instance";
export const DEFAULT_INSTANCE = "default";

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;

function idsOf(value: unknown): string[] | undefined {
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return undefined;
}

/** The instance ids a resource is meant for. */
export function instancesOf(obj: { metadata?: unknown; spec?: unknown; apiVersion?: unknown }): string[] {
  const meta = obj.metadata as Meta;
  const declared = idsOf(meta?.labels?.[INSTANCE_KEY]) ?? idsOf(meta?.annotations?.[INSTANCE_KEY]);
  const emissary = typeof obj.apiVersion === "string" && obj.apiVersion.startsWith("getambassador.io/") ? idsOf((obj.spec as { ambassador_id?: unknown } | undefined)?.ambassador_id) : undefined;
  const ids = declared ?? emissary;
  return ids && ids.length ? ids : [DEFAULT_INSTANCE];
}

export const belongsTo = (obj: Parameters<typeof instancesOf>[0], instance: string): boolean => instancesOf(obj).includes(instance);
