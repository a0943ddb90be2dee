// Objects and helpers shared by the Kubernetes integration tests and the benchmark.
import selfsigned from "selfsigned";
import type { KubeObject } from "../kube-apiserver/index.ts";

export const mapping = (name: string, spec: Record<string, unknown>, namespace = "default", meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "attache.dev/v1alpha1",
  kind: "Mapping",
  metadata: { name, namespace, ...meta },
  spec,
});

export const service = (name: string, namespace = "default", port = 80, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace, ...meta },
  spec: { ports: [{ name: "http", port, targetPort: 8080, protocol: "TCP" }] },
});

/** An EndpointSlice of `service` with the given pod IPs (all ready unless listed in notReady). */
export const endpointSlice = (serviceName: string, ips: string[], namespace = "default", notReady: string[] = [], sliceName = `${serviceName}-abc`): KubeObject => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: sliceName, namespace, labels: { "kubernetes.io/service-name": serviceName } },
  addressType: "IPv4",
  ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: !notReady.includes(ip) } })),
});

let keyPair: Promise<{ cert: string; private: string }> | undefined;

/** A kubernetes.io/tls Secret with a real certificate and key (made once per test process):
 *  the control plane checks that they load, as Envoy does. */
export async function tlsSecret(name: string, namespace = "default"): Promise<KubeObject> {
  keyPair ??= selfsigned.generate([{ name: "commonName", value: "test.example.com" }], { keyType: "ec", curve: "P-256" });
  const pems = await keyPair;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(pems.cert).toString("base64"), "tls.key": Buffer.from(pems.private).toString("base64") },
  };
}

/** Polls until `check` stops throwing or rejecting (tests observe asynchronous watch delivery). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
