// The EDS fast path: when a batch changed only EndpointSlices (BundleChange.endpointsOnly),
// the runner does not re-run the model over every Mapping. It rebuilds the endpoints of the
// EDS clusters of the affected Services from the new bundle and replaces only those
// ClusterIRs and their ClusterLoadAssignments; every other IR object and Envoy resource
// stays the same object, so the xDS server pushes only the changed CLAs.
// The Service behind each cluster is the model's (ClusterIR.service), and so is endpoint
// selection (model/resolve/clusters.ts endpointsOf); endpoints-fast-path.test.ts
// checks that the result equals a full model run.
import { translateProxyless } from "../translate/proxyless/index.ts";
import { endpointsOf } from "../model/resolve/clusters.ts";
import type { ClusterIR, EndpointIR, GatewayIR } from "../ir/types.ts";
import { translateCluster } from "../translate/clusters.ts";
import { TYPE, type XdsResources } from "../translate/index.ts";
import type { KubeObject, ResourceBundle } from "../sources/bundle.ts";

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === "object") : []);

export interface EndpointUpdate {
  ir: GatewayIR;
  resources: XdsResources;
  /** Names of the clusters whose endpoints changed. */
  changed: string[];
}

const sameEndpoints = (a: EndpointIR[], b: EndpointIR[]) =>
  a.length === b.length && a.every((e, i) => e.address === b[i].address && e.port === b[i].port && e.ready === b[i].ready);

export function updateEndpoints(previous: { ir: GatewayIR; resources: XdsResources }, bundle: ResourceBundle, services: ReadonlySet<string>): EndpointUpdate {
  const serviceObjects = new Map<string, KubeObject>();
  const slices = new Map<string, KubeObject[]>();
  for (const { object } of bundle.resources) {
    if (object.kind !== "Service" && object.kind !== "EndpointSlice") continue;
    const ns = String(object.metadata?.namespace ?? "default");
    if (object.kind === "Service") {
      const key = `${ns}/${object.metadata?.name}`;
      if (services.has(key)) serviceObjects.set(key, object as KubeObject);
    } else {
      const owner = (object.metadata?.labels as Record<string, string> | undefined)?.["kubernetes.io/service-name"];
      const key = `${ns}/${owner}`;
      if (owner && services.has(key)) slices.set(key, [...(slices.get(key) ?? []), object as KubeObject]);
    }
  }
  const changed: string[] = [];
  const clusters = previous.ir.clusters.map((cluster): ClusterIR => {
    const service = cluster.discovery === "eds" ? cluster.service : undefined;
    const key = service ? `${service.namespace}/${service.name}` : "";
    if (!service || !services.has(key)) return cluster;
    const port = list((serviceObjects.get(key)?.spec as Obj | undefined)?.ports).find((p) => p.port === service.port);
    const endpoints = port ? endpointsOf(slices.get(key) ?? [], port) : [];
    if (sameEndpoints(endpoints, cluster.endpoints)) return cluster;
    changed.push(cluster.name);
    return { ...cluster, endpoints };
  });
  if (changed.length === 0) return { ...previous, changed };
  const loadAssignments = new Map(previous.resources[TYPE.clusterLoadAssignment]);
  for (const cluster of clusters) {
    if (!changed.includes(cluster.name)) continue;
    const translated = translateCluster(cluster).loadAssignment;
    if (translated) loadAssignments.set(cluster.name, translated);
  }
  const ir = { ...previous.ir, clusters };
  // Proxyless gRPC clients get their own copy of each cluster's endpoints
  // ("attache-grpc/<cluster>", controlplane/translate/proxyless): keep those in step too.
  const proxyless = translateProxyless(ir)[TYPE.clusterLoadAssignment];
  for (const name of changed) {
    const grpc = proxyless?.get(`attache-grpc/${name}`);
    if (grpc) loadAssignments.set(`attache-grpc/${name}`, grpc);
  }
  return { ir, resources: { ...previous.resources, [TYPE.clusterLoadAssignment]: loadAssignments }, changed };
}
