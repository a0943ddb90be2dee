// The kinds the stand-in API server serves, described the way kube-apiserver's discovery
// documents describe them (APIResource: name = plural, singularName, namespaced, kind, verbs).
// A test can serve more kinds (say, Emissary's getambassador.io CRDs) or stop serving one to
// simulate a CRD that is not installed; discovery follows the table.

export interface ResourceType {
  group: string; // "" for the core group (served under /api/v1)
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Has a `status` subresource: writes to the main resource ignore `.status`, and
   *  PATCH/PUT .../status change only `.status` (apiextensions "subresources.status"). */
  status: boolean;
}

export const groupVersion = (t: { group: string; version: string }): string =>
  t.group ? `${t.group}/${t.version}` : t.version;

const core = (kind: string, plural: string, status = false, namespaced = true): ResourceType => ({
  group: "",
  version: "v1",
  kind,
  plural,
  namespaced,
  status,
});

/** Core kinds the gateway reads or writes. */
export const builtinTypes: ResourceType[] = [
  core("Namespace", "namespaces", true, false),
  core("Service", "services", true),
  core("Secret", "secrets"),
  core("ConfigMap", "configmaps"),
  core("Event", "events"),
  { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", namespaced: true, status: false },
  { group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true, status: false },
  { group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true, status: false },
];

const crd = (group: string, version: string, kind: string, plural: string): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced: true,
  status: true,
});

/** Attaché's CRDs (charts/attache installs them with the status subresource enabled). */
export const attacheTypes: ResourceType[] = [
  crd("attache.dev", "v1alpha1", "Mapping", "mappings"),
  crd("attache.dev", "v1alpha1", "Host", "hosts"),
  crd("attache.dev", "v1alpha1", "WasmFilter", "wasmfilters"),
  crd("attache.dev", "v1alpha1", "AuthService", "authservices"),
];

/** Emissary's CRDs, for compatibility tests (served only when a test asks for them). */
export const emissaryTypes: ResourceType[] = [
  crd("getambassador.io", "v3alpha1", "Mapping", "mappings"),
  crd("getambassador.io", "v3alpha1", "Host", "hosts"),
  crd("getambassador.io", "v3alpha1", "AuthService", "authservices"),
];
