// The benchmark's cluster: 500 Hosts, 2,000 Services, each with one EndpointSlice of three
// ready pods, and 10,000 Mappings (five per Service) spread over the Hosts.
import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { endpointSlice, mapping, service } from "../../test/kubernetes/fixtures.ts";

export const SIZES = { hosts: 500, services: 2000, mappingsPerService: 5 };

export function* clusterObjects(): Generator<KubernetesObject> {
  for (let h = 0; h < SIZES.hosts; h++) {
    yield { apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: `host-${h}`, namespace: "default" }, spec: { hostname: `h${h}.example.com` } } as KubernetesObject;
  }
  for (let s = 0; s < SIZES.services; s++) {
    const name = `svc-${s}`;
    yield service(name);
    yield endpointSlice(name, podIps(s, 3));
    for (let m = 0; m < SIZES.mappingsPerService; m++) {
      const index = s * SIZES.mappingsPerService + m;
      yield mapping(`m-${index}`, { hostname: `h${index % SIZES.hosts}.example.com`, prefix: `/svc-${s}/route-${m}/`, service: name, timeout: "5s" });
    }
  }
}

export function podIps(service: number, count: number, generation = 0): string[] {
  return Array.from({ length: count }, (_, i) => `10.${(service >> 8) & 255}.${service & 255}.${(generation * 8 + i + 1) & 255}`);
}

/**
 * Creates every object through the API (each one admitted, validated and stored as `kubectl
 * create` would), `concurrency` requests at a time; returns how many were created.
 */
export async function createAll(kubeConfig: KubeConfig, objects: Iterable<KubernetesObject>, concurrency: number): Promise<number> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const queue = objects[Symbol.iterator]();
  let created = 0;
  const worker = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      await api.create(next.value);
      created++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return created;
}
