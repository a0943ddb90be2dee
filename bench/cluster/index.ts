// `npm run bench -- cluster`: the whole chain with real components: `kubectl apply` of a new
// Mapping -> kube-apiserver (etcd storage, watch cache on) -> `attache serve`'s informer ->
// model + translate -> Delta ADS -> Envoy, until a request through Envoy's listener reaches the
// upstream. Median of 20 new Mappings. Beside it, in the same run: the same chain started by a
// REST create (no kubectl process), and how long kubectl itself takes to return, so the share
// of the client tool is visible.
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";
import { ControlPlane, hostAddress } from "../../test/cluster/control-plane.ts";
import { ServeProcess } from "../../test/cluster/serve-process.ts";

const ROUNDS = 20;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.9)];
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function must(result: Promise<{ code: number; stderr: string; stdout: string }>): Promise<string> {
  const done = await result;
  if (done.code !== 0) throw new Error(done.stderr);
  return done.stdout;
}

export default async function run(): Promise<string> {
  const load = os.loadavg()[0];
  const started = performance.now();
  const plane = await ControlPlane.start();
  const controlPlaneStartMs = performance.now() - started;
  const upstream = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => upstream.listen(0, hostAddress(), resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  let serve: ServeProcess | undefined;
  let envoy: EnvoyProcess | undefined;
  try {
    await must(plane.kubectl(["apply", "--server-side", "-f", join(REPO_ROOT, "charts", "attache", "crds")]));
    await must(plane.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]));
    await must(plane.kubectl(["create", "namespace", "attache-system"]));
    await must(plane.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "default" }, spec: { ports: [{ name: "http", port: 80, targetPort: upstreamPort }] } },
      { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "echo-1", namespace: "default", labels: { "kubernetes.io/service-name": "echo" } },
        addressType: "IPv4", endpoints: [{ addresses: [hostAddress()] }], ports: [{ name: "http", port: upstreamPort }] },
    ] })));
    serve = await ServeProcess.start({ kubeconfig: plane.kubeconfigPath, identity: "bench" });
    envoy = await EnvoyProcess.start({ bootstrap: envoyBootstrap({ xdsAddress: `127.0.0.1:${serve.ports.xds}`, nodeCluster: "default", adminPort: 0 }) });
    const live = async (path: string, since: number): Promise<number> => {
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${serve!.ports.http}${path}`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 200) return performance.now() - since;
        if (performance.now() - since > 30_000) throw new Error(`${path}: not live after 30 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const mapping = (name: string) => ({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name, namespace: "default" }, spec: { prefix: `/${name}/`, service: "echo:80" } });
    // Warm-up: the first route (Envoy's listener appears) is not counted.
    await must(plane.kubectl(["apply", "-f", "-"], JSON.stringify(mapping("warm-up"))));
    await live("/warm-up/", performance.now());

    const viaKubectl: number[] = [];
    const kubectlReturns: number[] = [];
    const viaRest: number[] = [];
    const api = plane.kubeConfig().makeApiClient(CustomObjectsApi);
    for (let i = 0; i < ROUNDS; i++) {
      const name = `k${i}`;
      const t0 = performance.now();
      const applied = must(plane.kubectl(["apply", "-f", "-"], JSON.stringify(mapping(name)))).then(() => performance.now() - t0);
      viaKubectl.push(await live(`/${name}/`, t0));
      kubectlReturns.push(await applied);

      const restName = `r${i}`;
      const t1 = performance.now();
      await api.createNamespacedCustomObject({ group: "attache.dev", version: "v1alpha1", namespace: "default", plural: "mappings", body: mapping(restName) });
      viaRest.push(await live(`/${restName}/`, t1));
    }
    return [
      "## Cluster: `kubectl apply` of a Mapping -> route live in Envoy",
      "",
      `Real components on loopback: kube-apiserver 1.37.2 (etcd 3.7.4 storage, watch cache on), \`attache serve\` (its own process), Envoy 1.40.0 (Delta ADS), kubectl 1.37.2. Each round creates a new Mapping and polls Envoy's listener every 2 ms until the route answers 200. ${ROUNDS} rounds; machine load average ${load.toFixed(1)} at the start (2 cores, shared).`,
      "",
      "| measurement | median | p90 |",
      "| --- | --- | --- |",
      `| \`kubectl apply\` started -> first 200 through Envoy | **${ms(median(viaKubectl))}** | ${ms(p90(viaKubectl))} |`,
      `| REST create (@kubernetes/client-node, no kubectl process) -> first 200 through Envoy | ${ms(median(viaRest))} | ${ms(p90(viaRest))} |`,
      `| baseline: \`kubectl apply\` started -> kubectl exited | ${ms(median(kubectlReturns))} | ${ms(p90(kubectlReturns))} |`,
      "",
      `kubectl's share: the REST-started chain is ${(median(viaRest) / median(viaKubectl)).toFixed(2)}x the kubectl-started one. Control plane start (etcd + kube-apiserver to /readyz): ${ms(controlPlaneStartMs)}.`,
    ].join("\n");
  } finally {
    await envoy?.stop();
    await serve?.stop();
    upstream.close();
    await plane.stop();
  }
}
