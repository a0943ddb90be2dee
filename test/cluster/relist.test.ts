// A watch the real server can no longer resume (410 Gone) is relisted without losing an update.
// kube-apiserver runs with its watch cache off, so it serves watches from etcd's history; while
// `attache serve` is cut off from it (a relay in between drops the connections), one Mapping is
// changed, another deleted, and etcd's history compacted, as kube-apiserver's own compactor does
// every few minutes. When the relay lets the informers back in, they resume from resourceVersions
// older than the compaction, the server answers 410 Expired, and they list again: Envoy then
// serves the change and no longer the deleted route. (With the watch cache on, the same 410
// comes when the watch resumes against an API server whose cache starts after that
// resourceVersion, e.g. a restarted replica.)
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";
import { describeWithTools } from "../tools.ts";
import { CLUSTER_TOOLS, ControlPlane, hostAddress } from "./control-plane.ts";
import { Relay } from "./relay.ts";
import { ServeProcess } from "./serve-process.ts";
import { eventually as pollUntil } from "../kubernetes/fixtures.ts";

const MAPPINGS = "/apis/attache.dev/v1alpha1/mappings";
let plane: ControlPlane;
let relay: Relay;
let serve: ServeProcess;
let envoy: EnvoyProcess;
const upstream = createServer((req, res) => res.end(`echo ${req.url}`));

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await plane.kubectl(args, input);
  expect(result.code, `kubectl ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result.stdout;
}
const apply = (object: object) => kubectl(["apply", "-f", "-"], JSON.stringify(object));
const mapping = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name, namespace: "default" }, spec });
async function throughEnvoy(path: string): Promise<{ status: number; header: string | null }> {
  const res = await fetch(`http://127.0.0.1:${serve.ports.http}${path}`);
  await res.arrayBuffer();
  return { status: res.status, header: res.headers.get("x-written-while-cut-off") };
}
/** Polls a live cluster and Envoy: up to 20 s, every 100 ms. */
const eventually = <T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> => pollUntil(check, timeoutMs, 100);

beforeAll(async () => {
  plane = await ControlPlane.start({ apiserverArgs: ["--watch-cache=false"] });
  await kubectl(["apply", "--server-side", "-f", join(REPO_ROOT, "charts", "attache", "crds")]);
  await kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  await kubectl(["create", "namespace", "attache-system"]);
  await new Promise<void>((resolve) => upstream.listen(0, hostAddress(), resolve));
  const port = (upstream.address() as { port: number }).port;
  await apply({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "default" }, spec: { ports: [{ name: "http", port: 80, targetPort: port }] } },
    { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "echo-1", namespace: "default", labels: { "kubernetes.io/service-name": "echo" } },
      addressType: "IPv4", endpoints: [{ addresses: [hostAddress()] }], ports: [{ name: "http", port }] },
    mapping("kept", { prefix: "/kept/", service: "echo:80" }),
    mapping("removed", { prefix: "/removed/", service: "echo:80" }),
  ] });
  relay = await Relay.start(plane.port);
  serve = await ServeProcess.start({ kubeconfig: plane.writeKubeconfig("serve-relayed", `https://127.0.0.1:${relay.port}`, plane.token), identity: "relist" });
  envoy = await EnvoyProcess.start({ bootstrap: envoyBootstrap({ xdsAddress: `127.0.0.1:${serve.ports.xds}`, nodeId: "envoy-relist", nodeCluster: "default", adminPort: 0 }) });
}, 300_000);

afterAll(async () => {
  await envoy?.stop();
  await serve?.stop("SIGKILL");
  await relay?.close();
  upstream.close();
  await plane?.stop();
});

describeWithTools([...CLUSTER_TOOLS, "envoy"], "a watch the real kube-apiserver answers with 410 Gone", () => {
  it("is relisted: the change and the deletion made while cut off both reach Envoy", async () => {
    await eventually(async () => {
      expect(await throughEnvoy("/kept/a")).toEqual({ status: 200, header: null });
      expect((await throughEnvoy("/removed/a")).status).toBe(200);
    });
    // The collection's resourceVersion now: the informer has seen no later Mapping event.
    const seenByInformer = (JSON.parse((await plane.get(MAPPINGS)).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const listsBefore = await plane.requestCount("LIST", "attache.dev", "mappings");

    relay.partition();
    await apply(mapping("kept", { prefix: "/kept/", service: "echo:80", addResponseHeaders: [{ name: "x-written-while-cut-off", value: "yes" }] }));
    await kubectl(["delete", "mapping", "removed"]);
    await plane.compactStorage();
    // The server itself now refuses to resume from what the informer last saw.
    expect(await plane.firstWatchEvent(MAPPINGS, seenByInformer)).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
    expect(await throughEnvoy("/kept/a")).toEqual({ status: 200, header: null });

    relay.heal();
    await eventually(async () => {
      expect(await throughEnvoy("/kept/a")).toEqual({ status: 200, header: "yes" });
      expect((await throughEnvoy("/removed/a")).status).toBe(404);
    }, 60_000);
    // A relist, not a replayed history: the informer listed Mappings again.
    expect(await plane.requestCount("LIST", "attache.dev", "mappings")).toBeGreaterThan(listsBefore);
    expect(envoy.problems().filter((l) => /rejected|NACK/i.test(l))).toEqual([]);
  }, 120_000);
});
