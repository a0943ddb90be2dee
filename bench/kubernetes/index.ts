// `npm run bench -- kubernetes`: `attache serve` start-up against an API stand-in (in a child
// process) that already holds 500 Hosts, 10,000 Mappings, 2,000 Services and 2,000
// EndpointSlices: time to the first bundle (every informer listed) and to the first xDS
// snapshot, RSS of the control plane process, and the time from an EndpointSlice write to
// the ClusterLoadAssignment arriving at a connected ADS client (EDS fast path), against a
// baseline of what the same change costs when the model and translator run again.
import { spawn } from "node:child_process";
import os from "node:os";
import { createInterface } from "node:readline";
import { KubeConfig, DiscoveryV1Api } from "@kubernetes/client-node";
import { pino } from "pino";
import { startServe } from "../../controlplane/runner/serve.ts";
import { Pipeline } from "../../controlplane/runner/pipeline.ts";
import { TYPE_URL } from "../../controlplane/xds/index.ts";
import { endpointSlice } from "../../test/kubernetes/fixtures.ts";
import { FAKE_MODULES } from "../../test/kubernetes/harness.ts";
import { SotwTestClient } from "../../test/xds/protocol-client.ts";
import { podIps, SIZES } from "./seed.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function startStandIn(): Promise<{ url: string; objects: number; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("./standin-process.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface(child.stdout).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  return { ...JSON.parse(line), stop: () => child.stdin.end() };
}

export default async function run(): Promise<string> {
  const standIn = await startStandIn();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "stand-in", server: standIn.url, skipTLSVerify: true }],
    users: [{ name: "bench" }],
    contexts: [{ name: "stand-in", cluster: "stand-in", user: "bench" }],
    currentContext: "stand-in",
  });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const handle = await startServe({
    kubeConfig,
    xdsAddress: "127.0.0.1:0",
    adminPort: null,
    modulesPort: null,
    moduleHost: "127.0.0.1",
    lease: null,
    modules: FAKE_MODULES,
    debounceMs: 5,
    logger: pino({ level: "silent" }),
  });
  const { firstBundleMs, firstSnapshotMs, firstModelTranslateMs, firstEncodeMs } = handle.timings;
  const snapshot = handle.xds.cache.snapshot()!;
  const counts = Object.fromEntries([...snapshot.types].map(([type, t]) => [type.split(".").pop(), t.resources.size]));
  global.gc?.();
  const rssAfter = process.memoryUsage().rss;

  // Baseline: a full model + translate run over the same bundle (what an endpoint change
  // would cost without the fast path), on a warm cache like the running pipeline's.
  const bundle = handle.source.lastBundle!;
  const pipeline = new Pipeline({ model: { moduleServer: { clusterName: "attache-modules", host: "127.0.0.1", port: 18002 }, modules: FAKE_MODULES } });
  pipeline.apply(bundle);
  const fullRuns: number[] = [];
  for (let i = 0; i < 5; i++) fullRuns.push(pipeline.apply({ ...bundle, revision: bundle.revision + i + 1 }).durationMs);

  // EndpointSlice writes -> CLA at a connected SotW client.
  const client = new SotwTestClient(`127.0.0.1:${handle.xdsPort}`, { id: "bench-envoy", cluster: "bench" });
  client.request({ type_url: TYPE_URL.cluster });
  client.ack(await client.next(10_000));
  const service = 17;
  const clusterName = `default/svc-${service}:80`;
  client.request({ type_url: TYPE_URL.clusterLoadAssignment, resource_names: [clusterName] });
  client.ack(await client.next(10_000), [clusterName]);
  const slices = kubeConfig.makeApiClient(DiscoveryV1Api);
  const latencies: number[] = [];
  const snapshotAt: number[] = [];
  const toSnapshot: number[] = [];
  handle.xds.on("snapshot", () => snapshotAt.push(performance.now()));
  for (let round = 1; round <= 20; round++) {
    const body = endpointSlice(`svc-${service}`, podIps(service, 1 + (round % 3), round));
    const current = await slices.readNamespacedEndpointSlice({ namespace: "default", name: `svc-${service}-abc` });
    const t0 = performance.now();
    await slices.replaceNamespacedEndpointSlice({ namespace: "default", name: `svc-${service}-abc`, body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } } as never });
    const response = await client.next(10_000);
    latencies.push(performance.now() - t0);
    toSnapshot.push(snapshotAt[snapshotAt.length - 1] - t0);
    client.ack(response, [clusterName]);
  }
  client.close();
  await handle.stop();
  standIn.stop();

  const targets = { first: 5000, rss: 400 * 1024 * 1024, eds: 100 };
  const load = os.loadavg()[0].toFixed(1);
  const ok = (pass: boolean) => (pass ? "meets target" : "**misses target**");
  return [
    "## Kubernetes: `attache serve` start-up and EDS latency",
    "",
    `Cluster in the API stand-in (separate process): ${SIZES.hosts} Hosts, ${SIZES.services * SIZES.mappingsPerService} Mappings, ${SIZES.services} Services, ${SIZES.services} EndpointSlices (${standIn.objects} objects). Control plane: KubernetesSource informers -> model -> translate -> ADS server, no leader election.`,
    "",
    "| measurement | result | target |",
    "| --- | --- | --- |",
    `| start to first bundle (every informer listed and synced) | ${ms(firstBundleMs)} | |`,
    `| start to first xDS snapshot (model + translate + encode done, servable) | ${ms(firstSnapshotMs)} | < 5 s: ${ok(firstSnapshotMs < targets.first)} |`,
    `| &nbsp;&nbsp;of which model + translate (cold caches) / snapshot encode | ${ms(firstModelTranslateMs)} / ${ms(firstEncodeMs)} | |`,
    `| control plane RSS after first snapshot (before start: ${mb(rssBefore)}) | ${mb(rssAfter)} | < 400 MB: ${ok(rssAfter < targets.rss)} |`,
    `| EndpointSlice write -> CLA at a connected ADS client, median of ${latencies.length} (p90) | ${ms(median(latencies))} (${ms(p90(latencies))}) | < 100 ms: ${ok(median(latencies) < targets.eds)} |`,
    `| &nbsp;&nbsp;of which write -> new snapshot set (watch delivery, batching, fast path, encode), median | ${ms(median(toSnapshot))} | |`,
    `| baseline: full model + translate of the same bundle, median of ${fullRuns.length} | ${ms(median(fullRuns))} | |`,
    `| fast path / full re-run | ${(median(latencies) / median(fullRuns)).toFixed(2)}x (the fast path figure includes the API write, watch delivery, batching and the gRPC push) | |`,
    "",
    `Machine load average during the run: ${load} (on ${os.cpus().length} cores; other work on the machine inflates every figure).`,
    "",
    `Snapshot: ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(", ")}.`,
  ].join("\n");
}
