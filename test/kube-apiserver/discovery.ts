// Discovery documents (apimachinery metav1 APIVersions, APIGroupList, APIResourceList), so a
// client can check whether a kind is served, e.g. whether Emissary's CRDs are installed.
import { groupVersion, type ResourceType } from "./resources.ts";

const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

export function coreVersions(): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
}

export function groupList(types: Iterable<ResourceType>): object {
  const versionsByGroup = new Map<string, Set<string>>();
  for (const t of types) {
    if (!t.group) continue;
    if (!versionsByGroup.has(t.group)) versionsByGroup.set(t.group, new Set());
    versionsByGroup.get(t.group)!.add(t.version);
  }
  const groups = [...versionsByGroup].map(([name, versions]) => {
    const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: list, preferredVersion: list[0] };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** null when nothing of that group/version is served (the caller answers 404). */
export function resourceList(types: Iterable<ResourceType>, group: string, version: string): object | null {
  const served = [...types].filter((t) => t.group === group && t.version === version);
  if (served.length === 0) return null;
  const resources = served.flatMap((t) => {
    const main = { name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs };
    const status = { name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] };
    return t.status ? [main, status] : [main];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion(served[0]), resources };
}
