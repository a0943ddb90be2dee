// Secrets and ConfigMaps enter the bundle only when something references them: a Host's
// tlsSecret and tls.caSecret (default namespace: the Host's) and a WasmFilter's
// module.configMap (same namespace). The rest of the cluster's Secrets and ConfigMaps never reach the model.
import type { KubeObject } from "../bundle.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
const namespaceOf = (o: KubeObject): string => (typeof o.metadata?.namespace === "string" ? o.metadata.namespace : "default");

export interface References {
  secrets: Set<string>; // "<namespace>/<name>"
  configMaps: Set<string>;
}

export function referencesOf(objects: Iterable<KubeObject>): References {
  const refs: References = { secrets: new Set(), configMaps: new Set() };
  for (const o of objects) {
    const spec = obj(o.spec);
    if (o.kind === "Host") {
      for (const secret of [obj(spec.tlsSecret), obj(obj(spec.tls).caSecret)]) {
        if (typeof secret.name === "string") refs.secrets.add(`${typeof secret.namespace === "string" ? secret.namespace : namespaceOf(o)}/${secret.name}`);
      }
    } else if (o.kind === "WasmFilter") {
      const configMap = obj(obj(spec.module).configMap);
      if (typeof configMap.name === "string") refs.configMaps.add(`${namespaceOf(o)}/${configMap.name}`);
    }
  }
  return refs;
}
