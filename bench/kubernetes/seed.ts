// The benchmark's cluster: 500 Hosts, 2,000 Services, each with one EndpointSlice of three
// ready pods, and 10,000 Mappings (five per Service) spread over the Hosts.
import type { KubeObject } from "../../test/kube-apiserver/index.ts";
import { endpointSlice, mapping, service } from "../../test/kubernetes/fixtures.ts";

export const SIZES = { hosts: 500, services: 2000, mappingsPerService: 5 };

export function* clusterObjects(): Generator<KubeObject> {
  for (let h = 0; h < SIZES.hosts; h++) {
    yield { apiVersion: "attache.dev/v1alpha1", kind: "Host", metadata: { name: `host-${h}`, namespace: "default" }, spec: { hostname: `h${h}.example.com` } };
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
