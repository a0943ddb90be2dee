// What the Kubernetes source watches. Attaché's CRDs and Emissary's are selected by
// instance id; Services, EndpointSlices, Secrets and ConfigMaps are read as referenced.
import type { InformerTarget } from "./informer.ts";

export type WatchedKind = Omit<InformerTarget, "namespace"> & { role: "attache" | "emissary" | "kubernetes" };

export const ATTACHE_KINDS: WatchedKind[] = [
  { apiVersion: "attache.dev/v1alpha1", kind: "Mapping", plural: "mappings", role: "attache" },
  { apiVersion: "attache.dev/v1alpha1", kind: "Host", plural: "hosts", role: "attache" },
  { apiVersion: "attache.dev/v1alpha1", kind: "WasmFilter", plural: "wasmfilters", role: "attache" },
  { apiVersion: "attache.dev/v1alpha1", kind: "AuthService", plural: "authservices", role: "attache" },
];

export const EMISSARY_KINDS: WatchedKind[] = [
  { apiVersion: "getambassador.io/v3alpha1", kind: "Mapping", plural: "mappings", role: "emissary" },
  { apiVersion: "getambassador.io/v3alpha1", kind: "Host", plural: "hosts", role: "emissary" },
  { apiVersion: "getambassador.io/v3alpha1", kind: "AuthService", plural: "authservices", role: "emissary" },
];

export const KUBERNETES_WATCHED: WatchedKind[] = [
  { apiVersion: "v1", kind: "Service", plural: "services", role: "kubernetes" },
  { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", plural: "endpointslices", role: "kubernetes" },
  // Only TLS secrets: the gateway never needs (or gets RBAC for) anything else.
  { apiVersion: "v1", kind: "Secret", plural: "secrets", role: "kubernetes", fieldSelector: "type=kubernetes.io/tls" },
  { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", role: "kubernetes" },
];

export const kindKey = (k: { apiVersion: string; kind: string }): string => `${k.apiVersion}/${k.kind}`;
