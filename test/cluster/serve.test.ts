// `attache serve` (the CLI, as its own process) against a real kube-apiserver, with the
// chart's ServiceAccount and RBAC (installed by Helm), and real Envoy as the ADS client:
// `kubectl apply` of a Mapping makes the route live in Envoy; `kubectl get mapping` shows
// Accepted / ResolvedRefs / Programmed (Programmed from Envoy's ACK); Warning Events; an
// EndpointSlice change reaches Envoy; watches cut off by a network partition resume without
// losing the change written meanwhile; two replicas share one Lease and a killed leader's
// status writing moves to the other. (A watch the server can no longer resume, 410 Gone, is
// relist.test.ts.)
import { createServer, type Server } from "node:http";
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

const NS = "attache-system";
/** The Lease duration `attache serve` uses (controlplane/status/leader.ts). */
const LEASE_DURATION_MS = 15_000;

let plane: ControlPlane;
let relay: Relay;
let serviceAccountKubeconfig: string;
let leader: ServeProcess;
let envoy: EnvoyProcess;
const upstreams: Record<string, { server: Server; port: number }> = {};
const stop: Array<() => Promise<unknown>> = [];

async function upstream(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => res.writeHead(200, { "content-type": "text/plain" }).end(`${name} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, hostAddress(), resolve));
  stop.push(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as { port: number }).port };
}

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await plane.kubectl(args, input);
  expect(result.code, `kubectl ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result.stdout;
}
const apply = (object: object) => kubectl(["apply", "-f", "-"], JSON.stringify(object));
const mapping = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "attache.dev/v1alpha1", kind: "Mapping", metadata: { name, namespace: "default" }, spec });
const endpointSlice = (port: number) => ({
  apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
  metadata: { name: "echo-1", namespace: "default", labels: { "kubernetes.io/service-name": "echo" } },
  addressType: "IPv4", endpoints: [{ addresses: [hostAddress()], conditions: { ready: true } }], ports: [{ name: "http", port, protocol: "TCP" }],
});
type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number };
async function conditions(name: string): Promise<Record<string, Condition>> {
  const object = JSON.parse(await kubectl(["get", "mapping", name, "-o", "json"])) as { status?: { conditions?: Condition[] } };
  return Object.fromEntries((object.status?.conditions ?? []).map((c) => [c.type, c]));
}
async function throughEnvoy(path: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${leader.ports.http}${path}`);
  return { status: res.status, body: await res.text(), headers: res.headers };
}
/** Polls a live cluster and Envoy: up to 20 s, every 100 ms. */
const eventually = <T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> => pollUntil(check, timeoutMs, 100);
async function holder(): Promise<string> {
  const result = await plane.kubectl(["get", "lease", "attache-status", "-n", NS, "-o", "jsonpath={.spec.holderIdentity}"]);
  if (result.code !== 0) throw new Error(`${result.stderr}\nattache serve (${leader.identity}) log:\n${leader.tail(20)}`);
  return result.stdout.trim();
}

beforeAll(async () => {
  plane = await ControlPlane.start();
  await kubectl(["create", "namespace", NS]);
  const install = await plane.helm(["install", "attache", join(REPO_ROOT, "charts", "attache"), "--namespace", NS]);
  expect(install.code, install.stderr).toBe(0);
  await kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  // attache serve runs as the chart's ServiceAccount, so the chart's RBAC is what it gets.
  const token = (await kubectl(["create", "token", "attache", "-n", NS, "--duration=2h"])).trim();
  relay = await Relay.start(plane.port);
  serviceAccountKubeconfig = plane.writeKubeconfig("serve-direct", plane.url, token);

  upstreams.blue = await upstream("blue");
  upstreams.green = await upstream("green");
  await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: "default" }, spec: { ports: [{ name: "http", port: 80, targetPort: upstreams.blue.port }] } });
  await apply(endpointSlice(upstreams.blue.port));

  leader = await ServeProcess.start({ kubeconfig: plane.writeKubeconfig("serve-relayed", `https://127.0.0.1:${relay.port}`, token), identity: "serve-a" });
  envoy = await EnvoyProcess.start({ bootstrap: envoyBootstrap({ xdsAddress: `127.0.0.1:${leader.ports.xds}`, nodeId: "envoy-1", nodeCluster: "default", adminPort: 0 }) });
}, 300_000);

afterAll(async () => {
  await envoy?.stop();
  for (const s of [leader, follower]) await s?.stop("SIGKILL");
  await relay?.close();
  for (const f of stop.splice(0)) await f();
  await plane?.stop();
});

let follower: ServeProcess | undefined;

describeWithTools([...CLUSTER_TOOLS, "envoy"], "attache serve with a real kube-apiserver and Envoy", () => {
  it("kubectl apply makes the route live in Envoy, with Accepted, ResolvedRefs and Programmed (Envoy's ACK) in status", async () => {
    await eventually(async () => expect(await holder()).toBe("serve-a"));
    await apply(mapping("echo", { prefix: "/echo/", service: "echo:80" }));
    await eventually(async () => expect(await throughEnvoy("/echo/x")).toMatchObject({ status: 200, body: "blue /x" }));
    await eventually(async () => {
      const c = await conditions("echo");
      expect(c.Accepted).toMatchObject({ status: "True", observedGeneration: 1 });
      expect(c.ResolvedRefs).toMatchObject({ status: "True" });
      expect(c.Programmed).toMatchObject({ status: "True", reason: "Programmed" });
    }, 15_000);
    const yaml = await kubectl(["get", "mapping", "echo", "-o", "yaml"]);
    expect(yaml).toMatch(/type: Programmed/);
    expect(envoy.problems().filter((l) => /rejected|NACK/i.test(l))).toEqual([]);
  });

  it("reports what only the model can check in status and as Warning Events, while valid routes keep serving", async () => {
    await apply(mapping("lookahead", { regex: "^/users/(?!admin)", service: "echo:80" }));
    await apply(mapping("dangling", { prefix: "/d/", service: "missing:80" }));
    await eventually(async () => {
      const c = await conditions("lookahead");
      expect(c.Accepted).toMatchObject({ status: "False", reason: "Invalid" });
      expect(c.Accepted.message).toContain("spec.regex: invalid RE2 regular expression");
      expect((await conditions("dangling")).ResolvedRefs?.message).toContain("Service default/missing not found");
    });
    const events = await eventually(async () => {
      const list = JSON.parse(await kubectl(["get", "events", "-n", "default", "-o", "json"])) as { items: Array<{ type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }> };
      const warnings = list.items.filter((e) => e.type === "Warning" && e.involvedObject.kind === "Mapping");
      expect(warnings.map((e) => e.involvedObject.name)).toEqual(expect.arrayContaining(["lookahead", "dangling"]));
      return warnings;
    });
    const lookahead = events.filter((e) => e.involvedObject.name === "lookahead" && e.reason === "Invalid").map((e) => e.message);
    expect(lookahead.join("\n")).toContain("spec.regex: invalid RE2 regular expression");
    expect(await kubectl(["get", "events", "-n", "default"])).toMatch(/Warning\s+Invalid\s+mapping\/lookahead/);
    expect((await throughEnvoy("/echo/still")).body).toBe("blue /still");
  });

  it("sends an EndpointSlice change to Envoy", async () => {
    await apply(endpointSlice(upstreams.green.port));
    await eventually(async () => expect((await throughEnvoy("/echo/y")).body).toBe("green /y"));
    expect(await envoy.admin("/clusters")).toContain(`default/echo:80::${hostAddress()}:${upstreams.green.port}::`);
  });

  it("resumes its watches after a network partition without losing the update written meanwhile, and without a relist", async () => {
    const listsBefore = await plane.requestCount("LIST", "attache.dev", "mappings");
    relay.partition();
    await apply(mapping("echo", { prefix: "/echo/", service: "echo:80", addResponseHeaders: [{ name: "x-written-while-cut-off", value: "yes" }] }));
    await new Promise((r) => setTimeout(r, 2000));
    expect((await throughEnvoy("/echo/z")).headers.get("x-written-while-cut-off")).toBeNull();
    relay.heal();
    await eventually(async () => expect((await throughEnvoy("/echo/z")).headers.get("x-written-while-cut-off")).toBe("yes"), 60_000);
    // The watch cache still holds the history, so the informers resumed where they were.
    expect(await plane.requestCount("LIST", "attache.dev", "mappings")).toBe(listsBefore);
  }, 120_000);

  it("moves status writing to the other replica through the Lease when the leader is killed", async () => {
    follower = await ServeProcess.start({ kubeconfig: serviceAccountKubeconfig, identity: "serve-b" });
    expect(await holder()).toBe("serve-a");
    const killedAt = Date.now();
    await leader.stop("SIGKILL");
    await eventually(async () => expect(await holder()).toBe("serve-b"), LEASE_DURATION_MS + 10_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`lease takeover after the leader was killed: ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(LEASE_DURATION_MS + 5_000);
    await apply(mapping("after-failover", { prefix: "/f/", service: "elsewhere:80" }));
    await eventually(async () => expect((await conditions("after-failover")).ResolvedRefs).toMatchObject({ status: "False" }));
  }, 60_000);
});
